//! Where each AWS service is reached: the SDKs' service-specific endpoint
//! settings first, then the global ones, then the public endpoint
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>):
//! `AWS_ENDPOINT_URL_<SERVICE>`, the profile's `services` section,
//! `AWS_ENDPOINT_URL`, the profile's `endpoint_url`; all of them ignored
//! under `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (or the profile's
//! `ignore_configured_endpoint_urls`). This is how the tests reach moto.

use super::profile::{Profiles, Section};
use super::query::Endpoint;
use crate::env::Env;

/// A service as the endpoint settings name it.
#[derive(Clone, Copy, Debug)]
pub struct Service {
    /// The service id in `[services]` sections: `ec2`, `elastic_load_balancing_v2`.
    pub config_key: &'static str,
    /// The suffix of `AWS_ENDPOINT_URL_…`.
    pub env_suffix: &'static str,
    /// The public endpoint's first label(s): `ec2`, `portal.sso`.
    pub host_prefix: &'static str,
    pub signing_name: &'static str,
}

pub const EC2: Service = Service { config_key: "ec2", env_suffix: "EC2", host_prefix: "ec2", signing_name: "ec2" };
pub const ELBV2: Service = Service {
    config_key: "elastic_load_balancing_v2",
    env_suffix: "ELASTIC_LOAD_BALANCING_V2",
    host_prefix: "elasticloadbalancing",
    signing_name: "elasticloadbalancing",
};
pub const ELB: Service = Service {
    config_key: "elastic_load_balancing",
    env_suffix: "ELASTIC_LOAD_BALANCING",
    host_prefix: "elasticloadbalancing",
    signing_name: "elasticloadbalancing",
};
pub const STS: Service = Service { config_key: "sts", env_suffix: "STS", host_prefix: "sts", signing_name: "sts" };
pub const SSO: Service =
    Service { config_key: "sso", env_suffix: "SSO", host_prefix: "portal.sso", signing_name: "awsssoportal" };

/// Resolves endpoints for one profile's view of the settings.
#[derive(Clone, Debug)]
pub struct Resolver {
    env: Env,
    profile: Section,
    services: Option<std::collections::BTreeMap<String, Section>>,
}

impl Resolver {
    pub fn new(env: &Env, profiles: &Profiles, profile: Option<&str>) -> Resolver {
        let section = profile.and_then(|p| profiles.get(p)).cloned().unwrap_or_default();
        let services = section.get("services").and_then(|name| profiles.services.get(name)).cloned();
        Resolver { env: env.clone(), profile: section, services }
    }

    fn ignore_configured(&self) -> bool {
        self.env.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            || self.profile.get("ignore_configured_endpoint_urls").is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The configured URL for a service, if any.
    pub fn configured(&self, service: Service) -> Option<String> {
        if self.ignore_configured() {
            return None;
        }
        let specific_env = self.env.var(&format!("AWS_ENDPOINT_URL_{}", service.env_suffix));
        let specific_config =
            self.services.as_ref().and_then(|s| s.get(service.config_key)).and_then(|s| s.get("endpoint_url"));
        let global_env = self.env.var("AWS_ENDPOINT_URL");
        let global_config = self.profile.get("endpoint_url");
        specific_env
            .map(str::to_string)
            .or_else(|| specific_config.cloned())
            .or_else(|| global_env.map(str::to_string))
            .or_else(|| global_config.cloned())
            .filter(|u| !u.is_empty())
            .map(|u| u.trim_end_matches('/').to_string())
    }

    pub fn endpoint(&self, service: Service, region: &str) -> Endpoint {
        let url = self.configured(service).unwrap_or_else(|| public_url(service, region));
        Endpoint { url, region: region.to_string(), signing_name: service.signing_name }
    }
}

/// The public endpoint (`.amazonaws.com.cn` in the China partition).
pub fn public_url(service: Service, region: &str) -> String {
    let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    format!("https://{}.{region}.{suffix}", service.host_prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_specific_before_global() {
        let mut profiles = Profiles::default();
        profiles.profiles.insert(
            "p".into(),
            [
                ("services".to_string(), "s".to_string()),
                ("endpoint_url".to_string(), "http://config-global".to_string()),
            ]
            .into(),
        );
        profiles.services.insert(
            "s".into(),
            [("sts".to_string(), [("endpoint_url".to_string(), "http://config-sts/".to_string())].into())].into(),
        );
        let mut env = Env::default();
        env.vars.insert("AWS_ENDPOINT_URL_EC2".into(), "http://env-ec2".into());
        let r = Resolver::new(&env, &profiles, Some("p"));
        assert_eq!(r.endpoint(EC2, "eu-west-1").url, "http://env-ec2");
        assert_eq!(r.endpoint(STS, "eu-west-1").url, "http://config-sts");
        assert_eq!(r.endpoint(ELBV2, "eu-west-1").url, "http://config-global");
        env.vars.insert("AWS_ENDPOINT_URL".into(), "http://env-global".into());
        assert_eq!(Resolver::new(&env, &profiles, Some("p")).endpoint(ELBV2, "x").url, "http://env-global");
        env.vars.insert("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS".into(), "true".into());
        let r = Resolver::new(&env, &profiles, Some("p"));
        assert_eq!(r.endpoint(ELBV2, "eu-west-1").url, "https://elasticloadbalancing.eu-west-1.amazonaws.com");
        assert_eq!(r.endpoint(EC2, "cn-north-1").url, "https://ec2.cn-north-1.amazonaws.com.cn");
        assert_eq!(r.endpoint(SSO, "us-east-1").url, "https://portal.sso.us-east-1.amazonaws.com");
    }
}
