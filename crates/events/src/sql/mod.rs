//! `--emit-sql`: the search `portcullis events` makes, as a query for the
//! engines that hold years of logs.
//!
//! Every query returns one row per call, rule, address block and watched
//! port where the call (as logged, succeeded) writes an inbound rule that
//! covers the port from a block not wholly inside the authorized list:
//! `event_time, event_id, event_name, principal, source_ip, user_agent,
//! resource, port, protocol, change (add | remove), action (allow | deny),
//! source`. That is the `stated` list of each change `portcullis events`
//! reports, block by block. What a query cannot do is follow each rule's
//! history: it lists the calls, `portcullis events` says which opened,
//! widened or closed a port.
//!
//! Tables and files:
//! - Athena: the CloudTrail table of the CloudTrail user guide's "Creating
//!   the table for CloudTrail logs in Athena" DDL (`eventsource`,
//!   `eventname`, `useridentity.arn`, `requestparameters` as JSON text…),
//!   named `cloudtrail_logs`; blocks are compared with Trino's `IPPREFIX`
//!   and `is_subnet_of`, exactly.
//! - BigQuery: the Cloud Audit Logs export of a log sink
//!   (cloud.google.com/logging/docs/export/bigquery), table
//!   `cloudaudit_googleapis_com_activity`, `protopayload_auditlog.requestJson`
//!   as JSON text; blocks compared with `NET.IP_TRUNC`, exactly.
//! - DuckDB and Spark: the files themselves: CloudTrail's as delivered to
//!   S3 (`{"Records": […]}`, plain or gzip), and the Azure Activity Log as
//!   exported to a storage account, one record per line ([`azure`]).
//!   IPv4 blocks are compared as integers, exactly; an IPv6 block counts as
//!   authorized only when `::/0` is (neither engine has an address type
//!   without an extension), so for IPv6 these two list every block
//!   portcullis lists, and possibly more.
//!
//! Calls read: `AuthorizeSecurityGroupIngress` and
//! `RevokeSecurityGroupIngress` by permission (a revoke by rule id names
//! no block), `ModifySecurityGroupRules` in its one-rule form,
//! `CreateNetworkAclEntry` and `ReplaceNetworkAclEntry` (inbound); Azure
//! `…/securityRules/write` and `…/networkSecurityGroups/write` (inbound
//! rules, allow and deny); GCP `compute.firewalls.insert|update|patch`
//! (ingress). GCP's audit log is BigQuery's table only: its export to
//! Cloud Storage is not read by the DuckDB and Spark queries.

mod azure;

use crate::judge::Watch;
pub use portcullis_model::sql::Dialect;
use portcullis_model::sql::{ipv4_integer, quote};
use portcullis_model::{Cidr, Protocol};

fn header(d: &str, w: &Watch, source: &str) -> String {
    let ports: Vec<String> = w.ports.iter().map(|(p, port)| format!("{}/{port}", Protocol(*p).name())).collect();
    format!(
        "-- portcullis events --emit-sql {d}: calls that write an inbound rule on {} from blocks not wholly authorized.\n\
         -- Authorized sources: {}.\n-- {source}\n",
        ports.join(", "),
        if w.authorized.is_empty() { "none".to_string() } else { w.authorized.to_cidr_strings().join(", ") }
    )
}

/// The files DuckDB reads, by kind: found under the paths named, each read
/// first to know what it holds.
#[derive(Clone, Debug, Default)]
pub struct Files {
    /// CloudTrail files as delivered (`{"Records": [...]}`).
    pub cloudtrail: Vec<String>,
    /// Azure Activity Log files as exported to a storage account (one
    /// record per line).
    pub azure: Vec<String>,
}

/// The query for one dialect. `files` are the files DuckDB reads; `paths`
/// the files and directories Spark reads (other dialects name tables).
pub fn emit(d: Dialect, w: &Watch, files: &Files, paths: &[String]) -> String {
    match d {
        Dialect::Athena => athena(w),
        Dialect::BigQuery => bigquery(w),
        Dialect::DuckDb => duckdb(w, files),
        Dialect::Spark => spark(w, paths),
    }
}

/// `VALUES (6, 10257), …`: the watched ports.
fn watched(w: &Watch) -> String {
    w.ports.iter().map(|(p, port)| format!("({p}, {port})")).collect::<Vec<_>>().join(", ")
}

/// A protocol as the logs write it (`tcp`, `6`, `-1`, `all`) as a
/// number, -1 for all.
fn protocol_number(column: &str, d: Dialect) -> String {
    let cast = match d {
        Dialect::DuckDb => format!("TRY_CAST({column} AS INTEGER)"),
        Dialect::Spark => format!("CAST({column} AS INT)"),
        Dialect::Athena => format!("TRY_CAST({column} AS INTEGER)"),
        Dialect::BigQuery => format!("SAFE_CAST({column} AS INT64)"),
    };
    format!(
        "CASE lower({column}) WHEN 'tcp' THEN 6 WHEN 'udp' THEN 17 WHEN 'icmp' THEN 1 WHEN 'icmpv6' THEN 58 \
         WHEN 'ipv6-icmp' THEN 58 WHEN 'sctp' THEN 132 WHEN 'esp' THEN 50 WHEN 'ah' THEN 51 WHEN 'ipip' THEN 4 \
         WHEN 'all' THEN -1 WHEN '-1' THEN -1 ELSE {cast} END"
    )
}

/// Whether the rule's protocol and from/to ports cover the watched port
/// (AWS: -1 or no range means every port; protocols without ports match
/// on the protocol alone).
fn covers_aws() -> &'static str {
    "(proto_number = -1 OR proto_number = w.protocol)\n\
     \x20 AND (proto_number = -1 OR w.protocol NOT IN (6, 17, 132)\n\
     \x20      OR (from_port IS NULL AND to_port IS NULL) OR from_port = -1 OR to_port = -1\n\
     \x20      OR w.port BETWEEN coalesce(from_port, to_port) AND coalesce(to_port, from_port))"
}

/// IPv4 blocks compared as integers: `source` is inside authorized block
/// `net/len` when its length is at least `len` and both agree on the first
/// `len` bits.
fn v4_authorized(w: &Watch, d: Dialect) -> String {
    let all_v6 = w.authorized.to_cidrs().iter().any(|c| matches!(c, Cidr::V6 { len: 0, .. }));
    let mut parts: Vec<String> = w
        .authorized
        .to_cidrs()
        .iter()
        .filter_map(|c| match *c {
            Cidr::V4 { addr, len } => {
                let divisor = 1u64 << (32 - u32::from(len));
                Some(format!(
                    "(src_v4 IS NOT NULL AND src_len >= {len} AND src_v4 {} {divisor} = {})",
                    d.integer_division(),
                    u64::from(addr) / divisor
                ))
            }
            Cidr::V6 { .. } => None,
        })
        .collect();
    if all_v6 {
        parts.push("(src_v4 IS NULL)".into());
    }
    if parts.is_empty() {
        "FALSE".into()
    } else {
        parts.join("\n         OR ")
    }
}

/// `src_v4` (the block's address as an integer, NULL for IPv6) and
/// `src_len` for an engine with `split_part`.
fn v4_columns(d: Dialect) -> String {
    let ip = "split_part(source, '/', 1)";
    let len = "split_part(source, '/', 2)";
    format!(
        "{} AS src_v4,\n\
         \x20        CASE WHEN {len} = '' THEN (CASE WHEN {} THEN 32 ELSE 128 END) ELSE CAST({len} AS INT) END AS src_len",
        ipv4_integer(ip, d),
        portcullis_model::sql::is_ipv4(ip, d),
    )
}

const ORDER: &str = "ORDER BY event_time, event_id, resource, source, port, change, action";

fn duckdb(w: &Watch, files: &Files) -> String {
    let list: Vec<String> = files.cloudtrail.iter().map(|f| quote(f)).collect();
    let s = |path: &str| format!("json_extract_string(r, '$.{path}')");
    let p = |path: &str| format!("json_extract_string(p, '$.{path}')");
    let items = |node: &str, path: &str| format!("coalesce(CAST(json_extract({node}, '$.{path}') AS JSON[]), [])");
    let modify = "ModifySecurityGroupRulesRequest";
    let rule = "ModifySecurityGroupRulesRequest.SecurityGroupRule.SecurityGroupRule";
    let cloudtrail = format!(
        "raw AS (\n\
\x20 SELECT unnest(Records) AS r\n\
\x20 FROM read_json([{}], columns = {{'Records': 'JSON[]'}}, maximum_object_size = 67108864)\n\
), calls AS (\n\
\x20 SELECT {} AS event_time, {} AS event_id, {} AS event_name, {} AS principal,\n\
\x20        {} AS source_ip, {} AS user_agent, json_extract(r, '$.requestParameters') AS p\n\
\x20 FROM raw\n\
\x20 WHERE {} = 'ec2.amazonaws.com' AND {} IS NULL\n\
), rules AS (\n\
\x20 SELECT c.*, coalesce({}, 'group name ' || {}) AS resource,\n\
\x20        CASE WHEN event_name = 'RevokeSecurityGroupIngress' THEN 'remove' ELSE 'add' END AS change, 'allow' AS action,\n\
\x20        json_extract_string(perm, '$.ipProtocol') AS proto,\n\
\x20        TRY_CAST(json_extract_string(perm, '$.fromPort') AS BIGINT) AS from_port,\n\
\x20        TRY_CAST(json_extract_string(perm, '$.toPort') AS BIGINT) AS to_port,\n\
\x20        coalesce(json_extract_string(block, '$.cidrIp'), json_extract_string(block, '$.cidrIpv6')) AS source\n\
\x20 FROM calls c, unnest({}) AS t(perm),\n\
\x20      unnest(list_concat({}, {})) AS u(block)\n\
\x20 WHERE event_name IN ('AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress')\n\
\x20 UNION ALL\n\
\x20 SELECT c.*, {}, 'add', 'allow', {}, TRY_CAST({} AS BIGINT), TRY_CAST({} AS BIGINT), coalesce({}, {})\n\
\x20 FROM calls c WHERE event_name = 'ModifySecurityGroupRules'\n\
\x20 UNION ALL\n\
\x20 SELECT c.*, {}, 'add', lower({}), {}, TRY_CAST({} AS BIGINT), TRY_CAST({} AS BIGINT), coalesce({}, {})\n\
\x20 FROM calls c WHERE event_name IN ('CreateNetworkAclEntry', 'ReplaceNetworkAclEntry') AND lower(coalesce({}, 'false')) <> 'true'\n\
), blocks AS (\n\
\x20 SELECT *, {} AS proto_number,\n\
\x20        {}\n\
\x20 FROM rules WHERE source IS NOT NULL\n\
), ct_rows AS (\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent, resource, w.port AS port, w.protocol AS protocol,\n\
\x20        change, action, source\n\
\x20 FROM blocks, watched w\n\
\x20 WHERE {}\n\
\x20   AND NOT ({})\n\
)",
        list.join(", "),
        s("eventTime"),
        s("eventID"),
        s("eventName"),
        s("userIdentity.arn"),
        s("sourceIPAddress"),
        s("userAgent"),
        s("eventSource"),
        s("errorCode"),
        p("groupId"),
        p("groupName"),
        items("p", "ipPermissions.items"),
        items("perm", "ipRanges.items"),
        items("perm", "ipv6Ranges.items"),
        p(&format!("{modify}.GroupId")),
        p(&format!("{rule}.IpProtocol")),
        p(&format!("{rule}.FromPort")),
        p(&format!("{rule}.ToPort")),
        p(&format!("{rule}.CidrIpv4")),
        p(&format!("{rule}.CidrIpv6")),
        p("networkAclId"),
        p("ruleAction"),
        p("aclProtocol"),
        p("portRange.from"),
        p("portRange.to"),
        p("cidrBlock"),
        p("ipv6CidrBlock"),
        p("egress"),
        protocol_number("proto", Dialect::DuckDb),
        v4_columns(Dialect::DuckDb),
        covers_aws(),
        v4_authorized(w, Dialect::DuckDb),
    );
    let mut ctes = vec![format!("watched(protocol, port) AS (VALUES {})", watched(w))];
    let mut parts = Vec::new();
    if !files.cloudtrail.is_empty() {
        ctes.push(cloudtrail);
        parts.push("ct_rows");
    }
    if !files.azure.is_empty() {
        ctes.push(azure::duckdb(w, &files.azure));
        parts.push("az_rows");
    }
    combined(
        header("duckdb", w, "Files: CloudTrail log files as delivered ({\"Records\": [...]}, plain or gzip); Azure Activity Log files exported to a storage account (one record per line)."),
        &ctes,
        &parts,
        "VARCHAR",
    )
}

/// The query's CTEs, then the rows of each source that has files (none:
/// an empty result with the same columns), in one order.
fn combined(header: String, ctes: &[String], parts: &[&str], text: &str) -> String {
    let columns = "event_time, event_id, event_name, principal, source_ip, user_agent, resource, port, protocol, change, action, source";
    let selects: Vec<String> = if parts.is_empty() {
        vec![format!(
            "SELECT {} WHERE FALSE",
            columns
                .split(", ")
                .map(|c| match c {
                    "port" | "protocol" => format!("CAST(NULL AS INT) AS {c}"),
                    _ => format!("CAST(NULL AS {text}) AS {c}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )]
    } else {
        parts.iter().map(|p| format!("SELECT {columns} FROM {p}")).collect()
    };
    // The union inside a CTE: the statement stays one SELECT.
    format!(
        "{header}WITH {},\nlisted AS (\n  {}\n)\nSELECT {columns} FROM listed\n{ORDER};\n",
        ctes.join(",\n"),
        selects.join("\n  UNION ALL\n  ")
    )
}

/// The fields of a CloudTrail record the Spark query reads, as one schema:
/// each file is parsed once, not once per field (every leaf as text: Spark
/// reads numbers and booleans into a text field as written).
const SPARK_RECORD: &str = "STRUCT<Records: ARRAY<STRUCT<eventTime: STRING, eventID: STRING, eventName: STRING, \
eventSource: STRING, errorCode: STRING, sourceIPAddress: STRING, userAgent: STRING, userIdentity: STRUCT<arn: STRING>, \
requestParameters: STRUCT<groupId: STRING, groupName: STRING, ipPermissions: STRUCT<items: ARRAY<STRUCT<ipProtocol: STRING, \
fromPort: STRING, toPort: STRING, ipRanges: STRUCT<items: ARRAY<STRUCT<cidrIp: STRING>>>, ipv6Ranges: STRUCT<items: \
ARRAY<STRUCT<cidrIpv6: STRING>>>>>>, ModifySecurityGroupRulesRequest: STRUCT<GroupId: STRING, SecurityGroupRule: \
STRUCT<SecurityGroupRule: STRUCT<IpProtocol: STRING, FromPort: STRING, ToPort: STRING, CidrIpv4: STRING, CidrIpv6: STRING>>>, \
networkAclId: STRING, ruleAction: STRING, aclProtocol: STRING, portRange: STRUCT<from: STRING, to: STRING>, cidrBlock: STRING, \
ipv6CidrBlock: STRING, egress: STRING>>>>";

fn spark(w: &Watch, paths: &[String]) -> String {
    // One view per path named: Spark reads a directory's files
    // (recursively) and gzip by extension; each file whole, as one JSON
    // document.
    let mut views = String::new();
    let mut union: Vec<String> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        views.push_str(&format!(
            "CREATE OR REPLACE TEMPORARY VIEW portcullis_events_{i} USING text OPTIONS (path {}, wholetext 'true', recursiveFileLookup 'true');\n",
            quote(path)
        ));
        union.push(format!("SELECT value FROM portcullis_events_{i}"));
    }
    if union.is_empty() {
        union.push("SELECT CAST(NULL AS STRING) AS value WHERE FALSE".into());
    }
    let rule = "p.ModifySecurityGroupRulesRequest.SecurityGroupRule.SecurityGroupRule";
    let cloudtrail = format!(
        "files AS (\n\
\x20 {}\n\
), raw AS (\n\
\x20 SELECT explode(from_json(value, {}).Records) AS r FROM files\n\
), calls AS (\n\
\x20 SELECT r.eventTime AS event_time, r.eventID AS event_id, r.eventName AS event_name, r.userIdentity.arn AS principal,\n\
\x20        r.sourceIPAddress AS source_ip, r.userAgent AS user_agent, r.requestParameters AS p\n\
\x20 FROM raw\n\
\x20 WHERE r.eventSource = 'ec2.amazonaws.com' AND r.errorCode IS NULL\n\
), permissions AS (\n\
\x20 SELECT c.*, perm FROM calls c LATERAL VIEW explode(p.ipPermissions.items) t AS perm\n\
\x20 WHERE event_name IN ('AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress')\n\
), rules AS (\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent,\n\
\x20        coalesce(p.groupId, concat('group name ', p.groupName)) AS resource,\n\
\x20        CASE WHEN event_name = 'RevokeSecurityGroupIngress' THEN 'remove' ELSE 'add' END AS change, 'allow' AS action,\n\
\x20        perm.ipProtocol AS proto, CAST(perm.fromPort AS BIGINT) AS from_port, CAST(perm.toPort AS BIGINT) AS to_port, source\n\
\x20 FROM permissions LATERAL VIEW explode(concat(coalesce(transform(perm.ipRanges.items, x -> x.cidrIp), array()),\n\
\x20                                              coalesce(transform(perm.ipv6Ranges.items, x -> x.cidrIpv6), array()))) u AS source\n\
\x20 UNION ALL\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent, p.ModifySecurityGroupRulesRequest.GroupId,\n\
\x20        'add', 'allow', {rule}.IpProtocol, CAST({rule}.FromPort AS BIGINT), CAST({rule}.ToPort AS BIGINT),\n\
\x20        coalesce({rule}.CidrIpv4, {rule}.CidrIpv6)\n\
\x20 FROM calls WHERE event_name = 'ModifySecurityGroupRules'\n\
\x20 UNION ALL\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent, p.networkAclId, 'add', lower(p.ruleAction),\n\
\x20        p.aclProtocol, CAST(p.portRange.from AS BIGINT), CAST(p.portRange.to AS BIGINT), coalesce(p.cidrBlock, p.ipv6CidrBlock)\n\
\x20 FROM calls WHERE event_name IN ('CreateNetworkAclEntry', 'ReplaceNetworkAclEntry') AND lower(coalesce(p.egress, 'false')) <> 'true'\n\
), blocks AS (\n\
\x20 SELECT *, {} AS proto_number,\n\
\x20        {}\n\
\x20 FROM rules WHERE source IS NOT NULL\n\
), ct_rows AS (\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent, resource, w.port AS port, w.protocol AS protocol,\n\
\x20        change, action, source\n\
\x20 FROM blocks CROSS JOIN watched w\n\
\x20 WHERE {}\n\
\x20   AND NOT ({})\n\
)",
        union.join("\n  UNION ALL "),
        quote(SPARK_RECORD),
        protocol_number("proto", Dialect::Spark),
        v4_columns(Dialect::Spark),
        covers_aws(),
        v4_authorized(w, Dialect::Spark),
    );
    let (azure_views, azure) = azure::spark(w, paths);
    let ctes = [format!("watched AS (SELECT * FROM VALUES {} AS v(protocol, port))", watched(w)), cloudtrail, azure];
    combined(
        format!(
            "{}{views}{azure_views}",
            header(
                "spark",
                w,
                "Files: CloudTrail log files as delivered ({\"Records\": [...]}, plain or gzip) and Azure Activity Log files exported to a storage account (one record per line), under the paths named."
            )
        ),
        &ctes,
        &["ct_rows", "az_rows"],
        "STRING",
    )
}

/// Athena (Trino): blocks compared as `IPPREFIX`es, both families exactly.
fn athena(w: &Watch) -> String {
    let authorized: Vec<String> = w
        .authorized
        .to_cidrs()
        .iter()
        .map(|c| {
            format!(
                "coalesce(TRY(is_subnet_of(CAST({} AS IPPREFIX), CAST(source AS IPPREFIX))), FALSE)",
                quote(&c.to_string())
            )
        })
        .collect();
    let authorized = if authorized.is_empty() { "FALSE".to_string() } else { authorized.join("\n         OR ") };
    let p = |path: &str| format!("json_extract_scalar(requestparameters, '$.{path}')");
    let rule = "ModifySecurityGroupRulesRequest.SecurityGroupRule.SecurityGroupRule";
    let array = |node: &str, path: &str| {
        format!("coalesce(TRY_CAST(json_extract({node}, '$.{path}') AS ARRAY(JSON)), ARRAY[])")
    };
    format!(
        "{}WITH calls AS (\n\
\x20 SELECT eventtime AS event_time, eventid AS event_id, eventname AS event_name, useridentity.arn AS principal,\n\
\x20        sourceipaddress AS source_ip, useragent AS user_agent, requestparameters\n\
\x20 FROM cloudtrail_logs\n\
\x20 WHERE eventsource = 'ec2.amazonaws.com' AND errorcode IS NULL\n\
\x20   AND eventname IN ('AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress', 'ModifySecurityGroupRules',\n\
\x20                     'CreateNetworkAclEntry', 'ReplaceNetworkAclEntry')\n\
), rules AS (\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent,\n\
\x20        coalesce({}, 'group name ' || {}) AS resource,\n\
\x20        CASE WHEN event_name = 'RevokeSecurityGroupIngress' THEN 'remove' ELSE 'add' END AS change, 'allow' AS action,\n\
\x20        json_extract_scalar(perm, '$.ipProtocol') AS proto,\n\
\x20        TRY_CAST(json_extract_scalar(perm, '$.fromPort') AS BIGINT) AS from_port,\n\
\x20        TRY_CAST(json_extract_scalar(perm, '$.toPort') AS BIGINT) AS to_port,\n\
\x20        coalesce(json_extract_scalar(block, '$.cidrIp'), json_extract_scalar(block, '$.cidrIpv6')) AS source\n\
\x20 FROM calls\n\
\x20 CROSS JOIN UNNEST({}) AS t (perm)\n\
\x20 CROSS JOIN UNNEST(concat({}, {})) AS u (block)\n\
\x20 WHERE event_name IN ('AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress')\n\
\x20 UNION ALL\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent, {}, 'add', 'allow', {},\n\
\x20        TRY_CAST({} AS BIGINT), TRY_CAST({} AS BIGINT), coalesce({}, {})\n\
\x20 FROM calls WHERE event_name = 'ModifySecurityGroupRules'\n\
\x20 UNION ALL\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent, {}, 'add', lower({}), {},\n\
\x20        TRY_CAST({} AS BIGINT), TRY_CAST({} AS BIGINT), coalesce({}, {})\n\
\x20 FROM calls WHERE event_name IN ('CreateNetworkAclEntry', 'ReplaceNetworkAclEntry') AND lower(coalesce({}, 'false')) <> 'true'\n\
), blocks AS (\n\
\x20 SELECT *, {} AS proto_number FROM rules WHERE source IS NOT NULL\n\
), watched (protocol, port) AS (VALUES {})\n\
SELECT event_time, event_id, event_name, principal, source_ip, user_agent, resource, w.port AS port, w.protocol AS protocol,\n\
\x20      change, action, source\n\
FROM blocks CROSS JOIN watched w\n\
WHERE {}\n\
\x20 AND NOT ({authorized})\n\
{ORDER};\n",
        header("athena", w, "Table: the CloudTrail table of the CloudTrail user guide's Athena DDL, named cloudtrail_logs."),
        p("groupId"),
        p("groupName"),
        array("requestparameters", "ipPermissions.items"),
        array("perm", "ipRanges.items"),
        array("perm", "ipv6Ranges.items"),
        p("ModifySecurityGroupRulesRequest.GroupId"),
        p(&format!("{rule}.IpProtocol")),
        p(&format!("{rule}.FromPort")),
        p(&format!("{rule}.ToPort")),
        p(&format!("{rule}.CidrIpv4")),
        p(&format!("{rule}.CidrIpv6")),
        p("networkAclId"),
        p("ruleAction"),
        p("aclProtocol"),
        p("portRange.from"),
        p("portRange.to"),
        p("cidrBlock"),
        p("ipv6CidrBlock"),
        p("egress"),
        protocol_number("proto", Dialect::Athena),
        watched(w),
        covers_aws(),
    )
}

/// BigQuery over the Cloud Audit Logs export: VPC firewall rules
/// inserted, updated or patched (ingress).
fn bigquery(w: &Watch) -> String {
    let authorized: Vec<String> = w
        .authorized
        .to_cidrs()
        .iter()
        .map(|c| {
            let text = c.to_string();
            let (net, len) = text.split_once('/').unwrap_or((text.as_str(), "32"));
            let bytes = if net.contains(':') { 16 } else { 4 };
            // CASE, not AND: IP_TRUNC fails on a prefix longer than the address.
            format!(
                "CASE WHEN BYTE_LENGTH(ip) = {bytes} AND src_len >= {len} THEN NET.IP_TRUNC(ip, {len}) = NET.IP_FROM_STRING({}) ELSE FALSE END",
                quote(net)
            )
        })
        .collect();
    let authorized = if authorized.is_empty() { "FALSE".to_string() } else { authorized.join("\n         OR ") };
    let a = "protopayload_auditlog";
    let list = |path: &str| format!("IFNULL(JSON_QUERY_ARRAY(request, '$.{path}'), [])");
    format!(
        "{}WITH calls AS (\n\
\x20 SELECT timestamp AS event_time, insertId AS event_id, {a}.methodName AS event_name,\n\
\x20        {a}.authenticationInfo.principalEmail AS principal, {a}.requestMetadata.callerIp AS source_ip,\n\
\x20        {a}.requestMetadata.callerSuppliedUserAgent AS user_agent,\n\
\x20        REGEXP_EXTRACT({a}.resourceName, r'[^/]+$') AS resource, {a}.requestJson AS request\n\
\x20 FROM `PROJECT.DATASET.cloudaudit_googleapis_com_activity`\n\
\x20 WHERE REGEXP_CONTAINS({a}.methodName, r'compute\\.firewalls\\.(insert|update|patch)$')\n\
\x20   AND IFNULL({a}.status.code, 0) = 0 AND {a}.requestJson IS NOT NULL\n\
\x20   AND UPPER(IFNULL(JSON_VALUE({a}.requestJson, '$.direction'), 'INGRESS')) = 'INGRESS'\n\
), rules AS (\n\
\x20 SELECT c.* EXCEPT (request), 'add' AS change,\n\
\x20        IF(ARRAY_LENGTH({}) + ARRAY_LENGTH({}) > 0, 'deny', 'allow') AS action,\n\
\x20        LOWER(JSON_VALUE(permit, '$.IPProtocol')) AS proto, IFNULL(JSON_VALUE_ARRAY(permit, '$.ports'), []) AS ports, source\n\
\x20 FROM calls c\n\
\x20 CROSS JOIN UNNEST(ARRAY_CONCAT({}, {}, {}, {})) AS permit\n\
\x20 -- No source at all on an insert or update: the default, 0.0.0.0/0.\n\
\x20 CROSS JOIN UNNEST(IF(ARRAY_LENGTH({}) = 0 AND ARRAY_LENGTH({}) = 0 AND ARRAY_LENGTH({}) = 0\n\
\x20                      AND NOT ENDS_WITH(c.event_name, '.patch'), ['0.0.0.0/0'], IFNULL(JSON_VALUE_ARRAY(request, '$.sourceRanges'), []))) AS source\n\
), blocks AS (\n\
\x20 SELECT *, {} AS proto_number, NET.SAFE_IP_FROM_STRING(SPLIT(source, '/')[OFFSET(0)]) AS ip,\n\
\x20        IFNULL(SAFE_CAST(SPLIT(source, '/')[SAFE_OFFSET(1)] AS INT64), IF(STRPOS(source, ':') > 0, 128, 32)) AS src_len\n\
\x20 FROM rules\n\
), watched AS (SELECT * FROM UNNEST([{}]))\n\
SELECT event_time, event_id, event_name, principal, source_ip, user_agent, resource, w.port AS port, w.protocol AS protocol,\n\
\x20      change, action, source\n\
FROM blocks CROSS JOIN watched w\n\
WHERE ip IS NOT NULL\n\
\x20 AND (proto_number = -1 OR proto_number = w.protocol)\n\
\x20 AND (proto_number = -1 OR w.protocol NOT IN (6, 17, 132) OR ARRAY_LENGTH(ports) = 0\n\
\x20      OR EXISTS (SELECT 1 FROM UNNEST(ports) AS range\n\
\x20                 WHERE w.port BETWEEN SAFE_CAST(SPLIT(range, '-')[OFFSET(0)] AS INT64)\n\
\x20                   AND IFNULL(SAFE_CAST(SPLIT(range, '-')[SAFE_OFFSET(1)] AS INT64), SAFE_CAST(SPLIT(range, '-')[OFFSET(0)] AS INT64))))\n\
\x20 AND NOT ({authorized})\n\
{ORDER};\n",
        header(
            "bigquery",
            w,
            "Table: a Cloud Logging sink's BigQuery export of the audit logs (replace PROJECT.DATASET)."
        ),
        list("denieds"),
        list("denied"),
        list("alloweds"),
        list("allowed"),
        list("denieds"),
        list("denied"),
        list("sourceRanges"),
        list("sourceTags"),
        list("sourceServiceAccounts"),
        protocol_number("proto", Dialect::BigQuery),
        w.ports.iter().map(|(p, port)| format!("STRUCT({p} AS protocol, {port} AS port)")).collect::<Vec<_>>().join(", "),
    )
}
