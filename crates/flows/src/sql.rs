//! `--emit-sql`: the same report as a query for engines that hold more logs
//! than one machine reads: Athena over the VPC flow log table, BigQuery
//! over a Cloud Logging export, DuckDB over the files themselves.
//!
//! Every query returns one row per destination, port, protocol, verdict and
//! source class (authorized or not) with flows, packets, bytes, distinct
//! sources and first/last seen, which is what `portcullis flows` counts for
//! its `destination` observations. The watched ports, the time window and
//! the authorized CIDRs are written into the query.
//!
//! Schemas:
//! - Athena: the table of the VPC user guide's "Query flow logs using
//!   Amazon Athena" DDL (default format columns `version … log_status`),
//!   named `vpc_flow_logs`. Trino's `contains(cidr, ipaddress)` classifies.
//! - BigQuery: a Cloud Logging sink's tables (cloud.google.com/logging/docs/export/bigquery),
//!   `compute_googleapis_com_firewall` and `compute_googleapis_com_vpc_flows`,
//!   `jsonPayload.connection.*` columns; `NET.IP_TRUNC` classifies.
//! - DuckDB: `read_csv` over the given files (plain or gzip), all columns as
//!   text so repeated header lines and `-` are harmless. DuckDB has no
//!   address type without an extension, so IPv4 sources are classified by
//!   integer range; an IPv6 source counts as authorized only under `::/0`.
//! - Spark: the same query over a CSV view of each path named (a file, or
//!   a directory read recursively; gzip by extension), columns as text,
//!   casts that give NULL on header lines (Spark's default, non-ANSI
//!   casts); sources classified as for DuckDB.

use crate::agg::Watch;
use crate::aws::Layout;
pub use portcullis_model::sql::Dialect;
use portcullis_model::sql::{ipv4_integer, quote};
use portcullis_model::Cidr;

fn ports_pred(w: &Watch, proto: &str, port: &str) -> String {
    let parts: Vec<String> = w.ports.iter().map(|(p, d)| format!("({proto} = {p} AND {port} = {d})")).collect();
    if parts.is_empty() {
        "FALSE".into()
    } else {
        format!("({})", parts.join(" OR "))
    }
}

fn cidrs(w: &Watch) -> Vec<Cidr> {
    w.authorized.to_cidrs()
}

fn window(w: &Watch, start: &str, end: &str) -> String {
    let mut out = String::new();
    if let Some(s) = w.since {
        out.push_str(&format!("\n    AND coalesce({end}, {start}) >= {s}"));
    }
    if let Some(u) = w.until {
        out.push_str(&format!("\n    AND coalesce({start}, {end}) <= {u}"));
    }
    out
}

fn header(d: &str, w: &Watch) -> String {
    let ports: Vec<String> =
        w.ports.iter().map(|(p, d)| format!("{}/{d}", portcullis_model::Protocol(*p).name())).collect();
    format!(
        "-- portcullis flows --emit-sql {d}: flow records on {} per destination, verdict and source class.\n\
         -- Authorized sources: {}.\n",
        ports.join(", "),
        if w.authorized.is_empty() { "none".to_string() } else { w.authorized.to_cidr_strings().join(", ") }
    )
}

/// The query for one dialect. `inputs` are the files DuckDB and Spark
/// read (other dialects name tables); `fields` the AWS layout of the files.
pub fn emit(d: Dialect, w: &Watch, inputs: &[String], fields: Option<&Layout>) -> String {
    match d {
        Dialect::Athena => athena(w),
        Dialect::BigQuery => bigquery(w),
        Dialect::DuckDb => duckdb(w, inputs, fields),
        Dialect::Spark => spark(w, inputs, fields),
    }
}

const GROUP_TAIL: &str = "GROUP BY 1, 2, 3, 4, 5\nORDER BY 1, 2, 3, 4, 5;\n";

fn athena(w: &Watch) -> String {
    let auth: Vec<String> = cidrs(w)
        .iter()
        .map(|c| format!("coalesce(contains({}, TRY_CAST(srcaddr AS IPADDRESS)), FALSE)", quote(&c.to_string())))
        .collect();
    let auth = if auth.is_empty() { "FALSE".into() } else { auth.join("\n         OR ") };
    format!(
        "{}-- Table: the VPC flow log table of the AWS user guide (default format columns), named vpc_flow_logs.\n\
WITH hits AS (\n  SELECT dstaddr AS destination, dstport AS port, protocol, lower(action) AS action, srcaddr AS source,\n\
\x20        packets, bytes, start, \"end\",\n         ({auth}) AS authorized\n  FROM vpc_flow_logs\n\
\x20 WHERE log_status = 'OK'\n    AND {}{}\n)\n\
SELECT destination, port, protocol, coalesce(action, 'unknown') AS action, authorized,\n\
\x20      count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes, count(DISTINCT source) AS sources,\n\
\x20      from_unixtime(min(coalesce(start, \"end\"))) AS first_seen, from_unixtime(max(coalesce(\"end\", start))) AS last_seen\n\
FROM hits\n{GROUP_TAIL}",
        header("athena", w),
        ports_pred(w, "protocol", "dstport"),
        window(w, "start", "\"end\""),
    )
}

fn bigquery(w: &Watch) -> String {
    let auth: Vec<String> = cidrs(w)
        .iter()
        .map(|c| {
            let s = c.to_string();
            let (net, len) = s.split_once('/').unwrap_or((s.as_str(), "32"));
            let bytes = if net.contains(':') { 16 } else { 4 };
            // CASE, not AND: IP_TRUNC fails on a prefix longer than the address.
            format!(
                "CASE WHEN BYTE_LENGTH(ip) = {bytes} THEN NET.IP_TRUNC(ip, {len}) = NET.IP_FROM_STRING({}) ELSE FALSE END",
                quote(net)
            )
        })
        .collect();
    let auth = if auth.is_empty() { "FALSE".into() } else { auth.join("\n         OR ") };
    let window = window(w, "UNIX_SECONDS(start_ts)", "UNIX_SECONDS(end_ts)");
    format!(
        "{}-- Tables: a Cloud Logging sink to BigQuery (replace PROJECT.DATASET); firewall rules logs give the\n\
-- verdict, VPC flow logs reported by the destination count as accepted.\n\
WITH entries AS (\n\
\x20 SELECT jsonPayload.connection.src_ip AS source, jsonPayload.connection.dest_ip AS destination,\n\
\x20        SAFE_CAST(jsonPayload.connection.dest_port AS INT64) AS port, SAFE_CAST(jsonPayload.connection.protocol AS INT64) AS protocol,\n\
\x20        CASE jsonPayload.disposition WHEN 'ALLOWED' THEN 'accept' WHEN 'DENIED' THEN 'reject' ELSE 'unknown' END AS action,\n\
\x20        CAST(NULL AS INT64) AS packets, CAST(NULL AS INT64) AS bytes, timestamp AS start_ts, timestamp AS end_ts\n\
\x20 FROM `PROJECT.DATASET.compute_googleapis_com_firewall`\n\
\x20 UNION ALL\n\
\x20 SELECT jsonPayload.connection.src_ip, jsonPayload.connection.dest_ip,\n\
\x20        SAFE_CAST(jsonPayload.connection.dest_port AS INT64), SAFE_CAST(jsonPayload.connection.protocol AS INT64),\n\
\x20        IF(jsonPayload.reporter = 'DEST', 'accept', 'unknown'),\n\
\x20        SAFE_CAST(jsonPayload.packets_sent AS INT64), SAFE_CAST(jsonPayload.bytes_sent AS INT64),\n\
\x20        SAFE_CAST(jsonPayload.start_time AS TIMESTAMP), SAFE_CAST(jsonPayload.end_time AS TIMESTAMP)\n\
\x20 FROM `PROJECT.DATASET.compute_googleapis_com_vpc_flows`\n\
), hits AS (\n\
\x20 SELECT *, NET.SAFE_IP_FROM_STRING(source) AS ip FROM entries\n\
\x20 WHERE {}{window}\n\
)\n\
SELECT destination, port, protocol, action,\n\
\x20      ({auth}) AS authorized,\n\
\x20      COUNT(*) AS flows, SUM(packets) AS packets, SUM(bytes) AS bytes, COUNT(DISTINCT source) AS sources,\n\
\x20      MIN(start_ts) AS first_seen, MAX(end_ts) AS last_seen\n\
FROM hits\n{GROUP_TAIL}",
        header("bigquery", w),
        ports_pred(w, "protocol", "port"),
    )
}

fn v4_range(c: &Cidr) -> Option<(u64, u64)> {
    match *c {
        Cidr::V4 { addr, len } => {
            let size = 1u64 << (32 - u32::from(len));
            Some((u64::from(addr), u64::from(addr) + size - 1))
        }
        Cidr::V6 { .. } => None,
    }
}

/// How sources are classified for engines without an address type: IPv4
/// by integer range, IPv6 authorized only under `::/0`.
fn integer_authorized(w: &Watch) -> String {
    let v4: Vec<String> =
        cidrs(w).iter().filter_map(v4_range).map(|(lo, hi)| format!("src_v4 BETWEEN {lo} AND {hi}")).collect();
    let all_v6 = cidrs(w).iter().any(|c| matches!(c, Cidr::V6 { len: 0, .. }));
    let mut auth = if v4.is_empty() { vec!["FALSE".to_string()] } else { v4 };
    if all_v6 {
        auth.push("(src_v4 IS NULL AND contains(src, ':'))".into());
    }
    auth.join("\n         OR ")
}

fn spark(w: &Watch, inputs: &[String], fields: Option<&Layout>) -> String {
    let layout = fields.unwrap_or_else(|| Layout::default_v2());
    let col = |n: &str| n.replace('-', "_");
    let has = |n: &str| layout.names().iter().any(|x| x == n);
    let schema: Vec<String> = layout.names().iter().map(|n| format!("`{}` STRING", col(n))).collect();
    let mut views = String::new();
    let mut union: Vec<String> = Vec::new();
    for (i, f) in inputs.iter().enumerate() {
        views.push_str(&format!(
            "CREATE OR REPLACE TEMPORARY VIEW portcullis_flows_{i} ({}) USING csv OPTIONS (path {}, sep ' ', \
             header 'false', quote '', escape '', nullValue '-', mode 'PERMISSIVE', recursiveFileLookup 'true');\n",
            schema.join(", "),
            quote(f)
        ));
        union.push(format!("SELECT * FROM portcullis_flows_{i}"));
    }
    if union.is_empty() {
        union.push(format!(
            "SELECT {} WHERE FALSE",
            layout
                .names()
                .iter()
                .map(|n| format!("CAST(NULL AS STRING) AS `{}`", col(n)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let src = if has("pkt-srcaddr") { "coalesce(pkt_srcaddr, srcaddr)" } else { "srcaddr" };
    let dst = if has("pkt-dstaddr") { "coalesce(pkt_dstaddr, dstaddr)" } else { "dstaddr" };
    let col_or_null = |n: &str, ty: &str| {
        if has(n) {
            format!("CAST(`{}` AS {ty})", col(n))
        } else {
            format!("CAST(NULL AS {ty})")
        }
    };
    let status = if has("log-status") { "log_status = 'OK'" } else { "TRUE" };
    let action = if has("action") { "lower(action)" } else { "CAST(NULL AS STRING)" };
    format!(
        "{}-- Files: AWS VPC flow logs in the format `{}`, plain or gzip, under the paths named.\n{views}\
WITH raw AS (\n\
\x20 {}\n\
), flows AS (\n\
\x20 SELECT {src} AS src, {dst} AS dst, {} AS port, {} AS proto, {action} AS action,\n\
\x20        {} AS packets, {} AS bytes, {} AS t_start, {} AS t_end\n\
\x20 FROM raw\n\
\x20 WHERE {status}\n\
), hits AS (\n\
\x20 SELECT *,\n\
\x20        {src_v4} AS src_v4\n\
\x20 FROM flows\n\
\x20 WHERE {}{}\n\
)\n\
SELECT dst AS destination, port, proto AS protocol, coalesce(action, 'unknown') AS action,\n\
\x20      coalesce({}, FALSE) AS authorized,\n\
\x20      count(*) AS flows, coalesce(sum(packets), 0) AS packets, coalesce(sum(bytes), 0) AS bytes,\n\
\x20      count(DISTINCT src) AS sources, min(coalesce(t_start, t_end)) AS first_seen, max(coalesce(t_end, t_start)) AS last_seen\n\
FROM hits\n\
WHERE src IS NOT NULL AND dst IS NOT NULL\n{GROUP_TAIL}",
        header("spark", w),
        layout.names().join(" "),
        union.join("\n  UNION ALL "),
        col_or_null("dstport", "INT"),
        col_or_null("protocol", "INT"),
        col_or_null("packets", "BIGINT"),
        col_or_null("bytes", "BIGINT"),
        col_or_null("start", "BIGINT"),
        col_or_null("end", "BIGINT"),
        ports_pred(w, "proto", "port"),
        window(w, "t_start", "t_end"),
        integer_authorized(w),
        src_v4 = ipv4_integer("src", Dialect::Spark),
    )
}

fn duckdb(w: &Watch, inputs: &[String], fields: Option<&Layout>) -> String {
    let layout = fields.unwrap_or_else(|| Layout::default_v2());
    let col = |n: &str| n.replace('-', "_");
    let has = |n: &str| layout.names().iter().any(|x| x == n);
    let columns: Vec<String> = layout.names().iter().map(|n| format!("{}: 'VARCHAR'", quote(&col(n)))).collect();
    let files: Vec<String> = inputs.iter().map(|f| quote(f)).collect();
    let src = if has("pkt-srcaddr") { "coalesce(pkt_srcaddr, srcaddr)" } else { "srcaddr" };
    let dst = if has("pkt-dstaddr") { "coalesce(pkt_dstaddr, dstaddr)" } else { "dstaddr" };
    let col_or_null = |n: &str, ty: &str| {
        if has(n) {
            format!("TRY_CAST(\"{}\" AS {ty})", col(n))
        } else {
            format!("CAST(NULL AS {ty})")
        }
    };
    let status = if has("log-status") { "log_status = 'OK'" } else { "TRUE" };
    let action = if has("action") { "lower(action)" } else { "CAST(NULL AS VARCHAR)" };
    format!(
        "{}-- Files: AWS VPC flow logs in the format `{}`, plain or gzip.\n\
WITH raw AS (\n\
\x20 SELECT * FROM read_csv([{}],\n\
\x20   delim = ' ', header = false, quote = '', escape = '', nullstr = '-', ignore_errors = true,\n\
\x20   columns = {{{}}})\n\
), flows AS (\n\
\x20 SELECT {src} AS src, {dst} AS dst, {} AS port, {} AS proto, {action} AS action,\n\
\x20        {} AS packets, {} AS bytes, {} AS t_start, {} AS t_end\n\
\x20 FROM raw\n\
\x20 WHERE {status}\n\
), hits AS (\n\
\x20 SELECT *,\n\
\x20        {src_v4} AS src_v4\n\
\x20 FROM flows\n\
\x20 WHERE {}{}\n\
)\n\
SELECT dst AS destination, port, proto AS protocol, coalesce(action, 'unknown') AS action,\n\
\x20      coalesce({}, FALSE) AS authorized,\n\
\x20      count(*) AS flows, coalesce(sum(packets), 0) AS packets, coalesce(sum(bytes), 0) AS bytes,\n\
\x20      count(DISTINCT src) AS sources, min(coalesce(t_start, t_end)) AS first_seen, max(coalesce(t_end, t_start)) AS last_seen\n\
FROM hits\n\
WHERE src IS NOT NULL AND dst IS NOT NULL\n{GROUP_TAIL}",
        header("duckdb", w),
        layout.names().join(" "),
        files.join(", "),
        columns.join(", "),
        col_or_null("dstport", "INTEGER"),
        col_or_null("protocol", "INTEGER"),
        col_or_null("packets", "BIGINT"),
        col_or_null("bytes", "BIGINT"),
        col_or_null("start", "BIGINT"),
        col_or_null("end", "BIGINT"),
        ports_pred(w, "proto", "port"),
        window(w, "t_start", "t_end"),
        integer_authorized(w),
        src_v4 = ipv4_integer("src", Dialect::DuckDb),
    )
}
