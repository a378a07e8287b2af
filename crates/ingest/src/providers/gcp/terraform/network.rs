//! GCP path resources in Terraform (plan or configuration), in the google
//! provider's argument names (the Terraform Registry docs of
//! hashicorp/google): `google_compute_route`, `google_compute_forwarding_rule`
//! and `google_compute_global_forwarding_rule`, `google_compute_target_pool`,
//! `google_compute_region_backend_service` and `google_compute_backend_service`,
//! `google_compute_instance_group` (and the managed group types, whose
//! members a configuration cannot list), the target proxies,
//! `google_compute_url_map`, `google_compute_address`.
//!
//! A configuration shows its own resources, never that there are no others,
//! so it marks nothing as fully described: a route table the input does
//! not hold stays unknown (docs/semantics.md, "Absence is not a verdict").
//! A plan of the whole configuration is no different.

use super::super::network::{self as net, Source};
use super::super::GcpItems;
use crate::languages::terraform::resource::Resource;

/// Reads one GCP path resource; other types are ignored.
pub fn read_resource(r: &Resource, items: &mut GcpItems) {
    let src = Source::terraform(r);
    let network = &mut items.network;
    match r.ty.as_str() {
        "google_compute_route" => network.routes.extend(net::route(&src)),
        "google_compute_forwarding_rule" | "google_compute_global_forwarding_rule" => {
            network.forwarding_rules.extend(net::forwarding_rule(&src))
        }
        "google_compute_target_pool" => network.pools.extend(net::pool(&src)),
        "google_compute_region_backend_service" | "google_compute_backend_service" => {
            network.backends.extend(net::backend(&src))
        }
        "google_compute_instance_group" => network.groups.extend(net::group(&src)),
        "google_compute_instance_group_manager" | "google_compute_region_instance_group_manager" => {
            network.groups.extend(net::manager(&src))
        }
        "google_compute_target_http_proxy"
        | "google_compute_target_https_proxy"
        | "google_compute_target_tcp_proxy"
        | "google_compute_target_ssl_proxy"
        | "google_compute_region_target_http_proxy"
        | "google_compute_region_target_https_proxy"
        | "google_compute_region_target_tcp_proxy" => network.proxies.extend(net::proxy(&src)),
        "google_compute_url_map" | "google_compute_region_url_map" => network.url_maps.extend(net::url_map(&src)),
        "google_compute_address" | "google_compute_global_address" => network.addresses.extend(net::address(&src)),
        _ => {}
    }
}
