//! The Azure Activity Log part of the DuckDB and Spark queries.
//!
//! The table: the Activity Log as a diagnostic setting exports it to a
//! storage account (`insights-activity-logs/…/PT1H.json`), one record per
//! line, in the "Schema from storage account and event hubs"
//! (learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema):
//! the files are the standard table, read where they lie. Log Analytics'
//! `AzureActivity` table is queried in KQL, not SQL, and Athena and
//! BigQuery hold no Activity Log: those two dialects stay CloudTrail's and
//! the audit log's.
//!
//! What is read, as `portcullis events` reads it (crate::azure): the
//! `Start` record of a call carries the request body
//! (`properties.requestbody`, JSON as text) and the `Success` or `Failure`
//! record under the same `correlationId` says how it ended; a call with a
//! `Failure` record is left out, one without an end record is listed. A
//! `…/securityRules/write` body holds one rule, a
//! `…/networkSecurityGroups/write` body the group's `securityRules`. Each
//! inbound rule (allow or deny) gives a row per watched port its protocol
//! and port fields (`*`, `N`, `A-B`, one field or a list) cover and per
//! source field (`sourceAddressPrefix(es)`) that is an address block not
//! wholly authorized; service tags (`Internet`, `*`, …) name no block.
//! The event id is `eventDataId`, else the `correlationId` (the storage
//! export has no `eventDataId`).

use super::{protocol_number, quote, v4_authorized, v4_columns, Dialect, Watch};

const RULE_WRITE: &str = "microsoft.network/networksecuritygroups/securityrules/write";
const GROUP_WRITE: &str = "microsoft.network/networksecuritygroups/write";

/// The canonical operation name from the lower-cased `op` column.
fn event_name() -> String {
    format!(
        "CASE op WHEN '{RULE_WRITE}' THEN 'Microsoft.Network/networkSecurityGroups/securityRules/write' \
         ELSE 'Microsoft.Network/networkSecurityGroups/write' END"
    )
}

/// A port field (`*`, `N`, `A-B`) as its first and last port.
fn port_bounds(field: &str, d: Dialect) -> String {
    // DuckDB's CAST fails on text that is no number, TRY_CAST gives NULL
    // (Spark's default CAST does).
    let cast = if d == Dialect::DuckDb { "TRY_CAST" } else { "CAST" };
    format!(
        "CASE WHEN trim({field}) = '*' THEN 0 ELSE {cast}(trim(split_part({field}, '-', 1)) AS BIGINT) END AS from_port,\n\
         \x20        CASE WHEN trim({field}) = '*' THEN 65535 WHEN {field} LIKE '%-%' THEN {cast}(trim(split_part({field}, '-', 2)) AS BIGINT)\n\
         \x20             ELSE {cast}(trim({field}) AS BIGINT) END AS to_port"
    )
}

/// Whether the rule covers the watched port: its protocol (`*` every one)
/// and, for TCP and UDP, one of its port fields.
const COVERS: &str = "(proto_number = -1 OR proto_number = w.protocol)\n\
     \x20   AND (w.protocol NOT IN (6, 17) OR w.port BETWEEN from_port AND to_port)";

/// A source field that is an address block (an IPv4 or IPv6 address or
/// CIDR), not a service tag.
const IS_BLOCK: &str = "(src_v4 IS NOT NULL OR source LIKE '%:%')";

/// The shared tail: blocks with their integers, each rule's rows once per
/// watched port and block (a rule whose two port fields both cover the
/// port states the block once), as `portcullis events` lists them.
fn rows(w: &Watch, d: Dialect) -> String {
    format!(
        "az_blocks AS (\n\
         \x20 SELECT *, {} AS proto_number,\n\
         \x20        {}\n\
         \x20 FROM az_sources WHERE source IS NOT NULL AND port_field IS NOT NULL\n\
         ), az_rows AS (\n\
         \x20 SELECT DISTINCT event_time, event_id, event_name, principal, source_ip, user_agent, resource, rule_key,\n\
         \x20        w.port AS port, w.protocol AS protocol, 'add' AS change, action, source\n\
         \x20 FROM az_blocks CROSS JOIN watched w\n\
         \x20 WHERE {COVERS}\n\
         \x20   AND {IS_BLOCK}\n\
         \x20   AND NOT ({})\n\
         )",
        protocol_number("proto", d),
        v4_columns(d),
        v4_authorized(w, d),
    )
}

/// DuckDB: the CTEs over `files` (exported JSON lines), ending in `az_rows`.
pub(super) fn duckdb(w: &Watch, files: &[String]) -> String {
    let list: Vec<String> = files.iter().map(|f| quote(f)).collect();
    let s = |path: &str| format!("json_extract_string(e, '$.{path}')");
    let upn =
        "json_extract_string(e, '$.identity.claims.\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\"')";
    let text_list = |node: &str, one: &str, many: &str| {
        format!(
            "list_concat(CASE WHEN json_extract_string({node}, '$.{one}') IS NULL THEN [] ELSE [json_extract_string({node}, '$.{one}')] END,\n\
             \x20                        coalesce(CAST(json_extract({node}, '$.{many}') AS VARCHAR[]), []))"
        )
    };
    format!(
        "az_entries AS (\n\
\x20 SELECT json AS e FROM read_json_objects([{}], format = 'newline_delimited', maximum_object_size = 67108864)\n\
), az AS (\n\
\x20 SELECT coalesce({}, {}) AS event_time, coalesce({}, {}) AS event_id,\n\
\x20        lower(coalesce({}, {})) AS op, {} AS resource_id, lower(coalesce({}, {}, '')) AS status,\n\
\x20        {} AS correlation, coalesce({}, {upn}) AS principal,\n\
\x20        coalesce({}, {}) AS source_ip, CAST(NULL AS VARCHAR) AS user_agent,\n\
\x20        json(coalesce({}, {})) AS body\n\
\x20 FROM az_entries\n\
), az_failed AS (\n\
\x20 SELECT DISTINCT correlation FROM az WHERE status IN ('failure', 'failed') AND correlation IS NOT NULL\n\
), az_calls AS (\n\
\x20 SELECT event_time, event_id, {} AS event_name, principal, source_ip, user_agent,\n\
\x20        regexp_extract(resource_id, '(?i)^(.*?/networksecuritygroups/[^/]+)', 1) AS resource, op, body\n\
\x20 FROM az\n\
\x20 WHERE op IN ('{RULE_WRITE}', '{GROUP_WRITE}') AND body IS NOT NULL\n\
\x20   AND lower(resource_id) LIKE '%/networksecuritygroups/%'\n\
\x20   AND status NOT IN ('failure', 'failed')\n\
\x20   AND (correlation IS NULL OR correlation NOT IN (SELECT correlation FROM az_failed))\n\
), az_rules AS (\n\
\x20 SELECT c.*, CAST(body AS VARCHAR) AS rule_key, coalesce(json_extract(body, '$.properties'), body) AS p\n\
\x20 FROM az_calls c WHERE op = '{RULE_WRITE}'\n\
\x20 UNION ALL\n\
\x20 SELECT c.*, CAST(r AS VARCHAR), coalesce(json_extract(r, '$.properties'), r)\n\
\x20 FROM az_calls c, unnest(coalesce(CAST(json_extract(body, '$.properties.securityRules') AS JSON[]), [])) AS t(r)\n\
\x20 WHERE op = '{GROUP_WRITE}'\n\
), az_ports AS (\n\
\x20 SELECT r.*, lower(json_extract_string(p, '$.access')) AS action,\n\
\x20        CASE WHEN trim(json_extract_string(p, '$.protocol')) IN ('*', 'Any', 'any') THEN 'all'\n\
\x20             ELSE lower(trim(json_extract_string(p, '$.protocol'))) END AS proto,\n\
\x20        port_field\n\
\x20 FROM az_rules r, unnest({}) AS t(port_field)\n\
\x20 WHERE lower(coalesce(json_extract_string(p, '$.direction'), '')) <> 'outbound'\n\
), az_sources AS (\n\
\x20 SELECT r.*, {}, source\n\
\x20 FROM az_ports r, unnest({}) AS t(source)\n\
), {}",
        list.join(", "),
        s("time"),
        s("eventTimestamp"),
        s("eventDataId"),
        s("correlationId"),
        s("operationName.value"),
        s("operationName"),
        s("resourceId"),
        s("resultType"),
        s("status.value"),
        s("correlationId"),
        s("caller"),
        s("callerIpAddress"),
        s("httpRequest.clientIpAddress"),
        s("properties.requestbody"),
        s("properties.responseBody"),
        event_name(),
        text_list("p", "destinationPortRange", "destinationPortRanges"),
        port_bounds("port_field", Dialect::DuckDb),
        text_list("p", "sourceAddressPrefix", "sourceAddressPrefixes"),
        rows(w, Dialect::DuckDb),
    )
}

/// The fields of an exported record the Spark query reads.
const SPARK_RECORD: &str = "STRUCT<time: STRING, eventTimestamp: STRING, eventDataId: STRING, correlationId: STRING, \
resourceId: STRING, operationName: STRING, resultType: STRING, caller: STRING, callerIpAddress: STRING, \
identity: STRUCT<claims: MAP<STRING, STRING>>, properties: STRUCT<requestbody: STRING, responseBody: STRING>>";

/// A rule's properties, and a request body (one rule's, or a group's with
/// its rules).
const SPARK_RULE: &str = "protocol: STRING, access: STRING, direction: STRING, sourceAddressPrefix: STRING, \
sourceAddressPrefixes: ARRAY<STRING>, destinationPortRange: STRING, destinationPortRanges: ARRAY<STRING>";

/// Spark: one line view per path named (every file under it, line by line:
/// lines that are not exported records give no row), and the CTEs ending
/// in `az_rows`.
pub(super) fn spark(w: &Watch, paths: &[String]) -> (String, String) {
    let mut views = String::new();
    let mut union: Vec<String> = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        views.push_str(&format!(
            "CREATE OR REPLACE TEMPORARY VIEW portcullis_activity_{i} USING text OPTIONS (path {}, recursiveFileLookup 'true');\n",
            quote(path)
        ));
        union.push(format!("SELECT value FROM portcullis_activity_{i}"));
    }
    if union.is_empty() {
        union.push("SELECT CAST(NULL AS STRING) AS value WHERE FALSE".into());
    }
    let body = format!("STRUCT<properties: STRUCT<{SPARK_RULE}, securityRules: ARRAY<STRUCT<name: STRING, properties: STRUCT<{SPARK_RULE}>>>>>");
    let upn = "e.identity.claims['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn']";
    let ctes = format!(
        "az_lines AS (\n\
\x20 {}\n\
), az_entries AS (\n\
\x20 SELECT from_json(value, {}) AS e FROM az_lines\n\
), az AS (\n\
\x20 SELECT coalesce(e.time, e.eventTimestamp) AS event_time, coalesce(e.eventDataId, e.correlationId) AS event_id,\n\
\x20        lower(e.operationName) AS op, e.resourceId AS resource_id, lower(coalesce(e.resultType, '')) AS status,\n\
\x20        e.correlationId AS correlation, coalesce(e.caller, {upn}) AS principal,\n\
\x20        e.callerIpAddress AS source_ip, CAST(NULL AS STRING) AS user_agent,\n\
\x20        from_json(coalesce(e.properties.requestbody, e.properties.responseBody), {}) AS body\n\
\x20 FROM az_entries WHERE e IS NOT NULL AND e.operationName IS NOT NULL\n\
), az_failed AS (\n\
\x20 SELECT DISTINCT correlation FROM az WHERE status IN ('failure', 'failed') AND correlation IS NOT NULL\n\
), az_calls AS (\n\
\x20 SELECT event_time, event_id, {} AS event_name, principal, source_ip, user_agent,\n\
\x20        regexp_extract(resource_id, '(?i)^(.*?/networksecuritygroups/[^/]+)', 1) AS resource, op, body\n\
\x20 FROM az\n\
\x20 WHERE op IN ('{RULE_WRITE}', '{GROUP_WRITE}') AND body IS NOT NULL\n\
\x20   AND lower(resource_id) LIKE '%/networksecuritygroups/%'\n\
\x20   AND status NOT IN ('failure', 'failed')\n\
\x20   AND (correlation IS NULL OR correlation NOT IN (SELECT correlation FROM az_failed))\n\
), az_rules AS (\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent, resource, -1 AS rule_key,\n\
\x20        body.properties.protocol AS protocol, body.properties.access AS access, body.properties.direction AS direction,\n\
\x20        body.properties.sourceAddressPrefix AS prefix, body.properties.sourceAddressPrefixes AS prefixes,\n\
\x20        body.properties.destinationPortRange AS port_range, body.properties.destinationPortRanges AS port_ranges\n\
\x20 FROM az_calls WHERE op = '{RULE_WRITE}'\n\
\x20 UNION ALL\n\
\x20 SELECT event_time, event_id, event_name, principal, source_ip, user_agent, resource, i,\n\
\x20        r.properties.protocol, r.properties.access, r.properties.direction,\n\
\x20        r.properties.sourceAddressPrefix, r.properties.sourceAddressPrefixes,\n\
\x20        r.properties.destinationPortRange, r.properties.destinationPortRanges\n\
\x20 FROM az_calls LATERAL VIEW posexplode(body.properties.securityRules) t AS i, r\n\
\x20 WHERE op = '{GROUP_WRITE}'\n\
), az_ports AS (\n\
\x20 SELECT r.*, lower(access) AS action,\n\
\x20        CASE WHEN trim(protocol) IN ('*', 'Any', 'any') THEN 'all' ELSE lower(trim(protocol)) END AS proto\n\
\x20 FROM az_rules r\n\
\x20 WHERE lower(coalesce(direction, '')) <> 'outbound'\n\
), az_port_fields AS (\n\
\x20 SELECT r.*, port_field\n\
\x20 FROM az_ports r LATERAL VIEW explode(concat(CASE WHEN port_range IS NULL THEN array() ELSE array(port_range) END,\n\
\x20                                             coalesce(port_ranges, array()))) t AS port_field\n\
), az_sources AS (\n\
\x20 SELECT r.*, {}, source\n\
\x20 FROM az_port_fields r LATERAL VIEW explode(concat(CASE WHEN prefix IS NULL THEN array() ELSE array(prefix) END,\n\
\x20                                                   coalesce(prefixes, array()))) t AS source\n\
), {}",
        union.join("\n  UNION ALL "),
        quote(SPARK_RECORD),
        quote(&body),
        event_name(),
        port_bounds("port_field", Dialect::Spark),
        rows(w, Dialect::Spark),
    );
    (views, ctes)
}
