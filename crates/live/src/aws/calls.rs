//! The AWS calls a read makes in each region, and what each becomes: the
//! file `--save` writes (named after the CLI command that prints the same
//! document), the noun it is counted under, the IAM action it needs.
//! These are what path analysis needs: security groups, network ACLs,
//! instances and their interfaces, prefix lists with their entries, route
//! tables, internet, egress-only and NAT gateways, addresses, subnets,
//! VPCs, and load balancers (ELBv2 with listeners, target groups and
//! target health; classic).
//!
//! Page sizes are each call's documented maximum
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/>, the
//! `MaxResults`/`PageSize` of each action).

use super::endpoint::{self, Service};
use crate::doc::Doc;

#[derive(Debug)]
pub struct Call {
    pub service: Service,
    /// The model the operation is in: `ec2`, `elbv2`, `elb`.
    pub model: &'static str,
    pub operation: &'static str,
    /// The answer's list member.
    pub result_key: &'static str,
    /// Where `--save` writes it, in the region's folder.
    pub file: &'static str,
    pub page_size: Option<u32>,
    pub noun: &'static str,
    pub iam_action: &'static str,
    /// Calls to make for each item of the answer.
    pub follow: Option<Follow>,
}

/// A call made once per item of another call's answer.
#[derive(Debug)]
pub struct Follow {
    /// The item member whose value is passed on (`PrefixListId`).
    pub id_member: &'static str,
    pub call: PerItem,
    /// All items' answers in one document (`true`, listeners: each listener
    /// names its load balancer), or one document per item named after it
    /// (`false`: prefix-list entries and target health do not say whose
    /// they are, so their file names must).
    pub gather: bool,
}

#[derive(Debug)]
pub struct PerItem {
    /// The request parameter the id goes in.
    pub param: &'static str,
    pub call: &'static Call,
}

const fn ec2(
    operation: &'static str,
    result_key: &'static str,
    file: &'static str,
    page_size: Option<u32>,
    noun: &'static str,
    iam_action: &'static str,
) -> Call {
    Call {
        service: endpoint::EC2,
        model: "ec2",
        operation,
        result_key,
        file,
        page_size,
        noun,
        iam_action,
        follow: None,
    }
}

pub static PREFIX_LIST_ENTRIES: Call = ec2(
    "GetManagedPrefixListEntries",
    "Entries",
    "ec2-get-managed-prefix-list-entries.json",
    Some(100),
    "prefix-list entries",
    "ec2:GetManagedPrefixListEntries",
);

pub static LISTENERS: Call = Call {
    service: endpoint::ELBV2,
    model: "elbv2",
    operation: "DescribeListeners",
    result_key: "Listeners",
    file: "elbv2-describe-listeners.json",
    page_size: Some(400),
    noun: "listeners",
    iam_action: "elasticloadbalancing:DescribeListeners",
    follow: None,
};

pub static TARGET_HEALTH: Call = Call {
    service: endpoint::ELBV2,
    model: "elbv2",
    operation: "DescribeTargetHealth",
    result_key: "TargetHealthDescriptions",
    file: "elbv2-describe-target-health.json",
    page_size: None,
    noun: "registered targets",
    iam_action: "elasticloadbalancing:DescribeTargetHealth",
    follow: None,
};

pub static REGIONAL: &[Call] = &[
    ec2(
        "DescribeSecurityGroups",
        "SecurityGroups",
        "ec2-describe-security-groups.json",
        Some(1000),
        "security groups",
        "ec2:DescribeSecurityGroups",
    ),
    ec2(
        "DescribeNetworkAcls",
        "NetworkAcls",
        "ec2-describe-network-acls.json",
        Some(1000),
        "network ACLs",
        "ec2:DescribeNetworkAcls",
    ),
    ec2(
        "DescribeInstances",
        "Reservations",
        "ec2-describe-instances.json",
        Some(1000),
        "instances",
        "ec2:DescribeInstances",
    ),
    ec2(
        "DescribeNetworkInterfaces",
        "NetworkInterfaces",
        "ec2-describe-network-interfaces.json",
        Some(1000),
        "network interfaces",
        "ec2:DescribeNetworkInterfaces",
    ),
    Call {
        follow: Some(Follow {
            id_member: "PrefixListId",
            call: PerItem { param: "PrefixListId", call: &PREFIX_LIST_ENTRIES },
            gather: false,
        }),
        ..ec2(
            "DescribeManagedPrefixLists",
            "PrefixLists",
            "ec2-describe-managed-prefix-lists.json",
            Some(100),
            "prefix lists",
            "ec2:DescribeManagedPrefixLists",
        )
    },
    ec2(
        "DescribeRouteTables",
        "RouteTables",
        "ec2-describe-route-tables.json",
        Some(100),
        "route tables",
        "ec2:DescribeRouteTables",
    ),
    ec2(
        "DescribeInternetGateways",
        "InternetGateways",
        "ec2-describe-internet-gateways.json",
        Some(1000),
        "internet gateways",
        "ec2:DescribeInternetGateways",
    ),
    ec2(
        "DescribeEgressOnlyInternetGateways",
        "EgressOnlyInternetGateways",
        "ec2-describe-egress-only-internet-gateways.json",
        Some(255),
        "egress-only internet gateways",
        "ec2:DescribeEgressOnlyInternetGateways",
    ),
    ec2(
        "DescribeNatGateways",
        "NatGateways",
        "ec2-describe-nat-gateways.json",
        Some(1000),
        "NAT gateways",
        "ec2:DescribeNatGateways",
    ),
    ec2("DescribeAddresses", "Addresses", "ec2-describe-addresses.json", None, "addresses", "ec2:DescribeAddresses"),
    ec2("DescribeSubnets", "Subnets", "ec2-describe-subnets.json", Some(1000), "subnets", "ec2:DescribeSubnets"),
    ec2("DescribeVpcs", "Vpcs", "ec2-describe-vpcs.json", Some(1000), "VPCs", "ec2:DescribeVpcs"),
    Call {
        service: endpoint::ELBV2,
        model: "elbv2",
        operation: "DescribeLoadBalancers",
        result_key: "LoadBalancers",
        file: "elbv2-describe-load-balancers.json",
        page_size: Some(400),
        noun: "load balancers",
        iam_action: "elasticloadbalancing:DescribeLoadBalancers",
        follow: Some(Follow {
            id_member: "LoadBalancerArn",
            call: PerItem { param: "LoadBalancerArn", call: &LISTENERS },
            gather: true,
        }),
    },
    Call {
        service: endpoint::ELBV2,
        model: "elbv2",
        operation: "DescribeTargetGroups",
        result_key: "TargetGroups",
        file: "elbv2-describe-target-groups.json",
        page_size: Some(400),
        noun: "target groups",
        iam_action: "elasticloadbalancing:DescribeTargetGroups",
        follow: Some(Follow {
            id_member: "TargetGroupArn",
            call: PerItem { param: "TargetGroupArn", call: &TARGET_HEALTH },
            gather: false,
        }),
    },
    Call {
        service: endpoint::ELB,
        model: "elb",
        operation: "DescribeLoadBalancers",
        result_key: "LoadBalancerDescriptions",
        file: "elb-describe-load-balancers.json",
        page_size: Some(400),
        noun: "classic load balancers",
        iam_action: "elasticloadbalancing:DescribeLoadBalancers",
        follow: None,
    },
];

/// Items in a page, as counted for people: instances, not reservations.
pub fn count(call: &Call, items: &[Doc]) -> u64 {
    if call.result_key == "Reservations" {
        items.iter().map(|r| r.get("Instances").and_then(Doc::as_list).map_or(0, |l| l.len() as u64)).sum()
    } else {
        items.len() as u64
    }
}

/// A file name for a per-item document: a prefix list id as it is
/// (`pl-0abc.json`, which the prefix-list reader takes the id from); a
/// target group ARN by its resource part (`targetgroup/web/73e2…` becomes
/// `targetgroup-web-73e2…`).
pub fn file_stem(id: &str) -> String {
    let resource = if id.starts_with("arn:") { id.splitn(6, ':').nth(5).unwrap_or(id) } else { id };
    resource
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_is_in_the_generated_models() {
        for c in REGIONAL.iter().chain([&PREFIX_LIST_ENTRIES, &LISTENERS, &TARGET_HEALTH]) {
            let op = super::super::shape::operation(c.model, c.operation);
            if let Some(p) = &op.paginator {
                assert_eq!(p.result_key, c.result_key, "{}", c.operation);
                assert!(c.page_size.is_some(), "{} pages: give its page size", c.operation);
            } else {
                assert!(c.page_size.is_none(), "{} does not page", c.operation);
            }
        }
    }

    #[test]
    fn per_item_file_names() {
        assert_eq!(file_stem("pl-0123abcd"), "pl-0123abcd");
        assert_eq!(
            file_stem("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067"),
            "targetgroup-web-73e2d6bc24d8a067"
        );
    }
}
