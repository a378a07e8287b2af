//! Every public sample in `../shared/flowlogs` parsed and checked field by
//! field against the result its upstream project expects (see that
//! folder's README): source and destination address and port, protocol,
//! verdict, status and times. Enrichment in the expected files (GeoIP,
//! community ids, ingest times) is ignored.

mod common;

use common::{collect, shared_flowlogs};
use portcullis_flows::aws::{AwsText, Layout, S3Key};
use portcullis_flows::record::{Action, Collect, OwnedFlow};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

/// What an expected event says, where it says it.
#[derive(Debug, Default)]
struct Expect {
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    pkt_src: Option<IpAddr>,
    pkt_dst: Option<IpAddr>,
    sport: Option<u16>,
    dport: Option<u16>,
    proto: Option<u8>,
    action: Option<Action>,
    status: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    rule: Option<String>,
}

fn flatten(v: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(v, &key, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn first(m: &BTreeMap<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| m.get(*k)).and_then(text)
}

fn proto_num(s: &str) -> Option<u8> {
    match s.to_ascii_lowercase().as_str() {
        "tcp" => Some(6),
        "udp" => Some(17),
        "icmp" => Some(1),
        "ipv6-icmp" | "icmpv6" => Some(58),
        n => n.parse().ok(),
    }
}

fn rfc3339(s: &str) -> Option<i64> {
    portcullis_model::date::parse_rfc3339(s).ok()
}

fn when(s: &str) -> Option<i64> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        rfc3339(s)
    }
}

fn action_of(s: &str) -> Option<Action> {
    match s.to_ascii_lowercase().as_str() {
        "accept" | "allow" | "allowed" => Some(Action::Accept),
        "reject" | "deny" | "denied" => Some(Action::Reject),
        _ => None,
    }
}

/// Reads an ECS-style event (nested or with dotted keys).
fn from_ecs(v: &Value) -> Expect {
    let mut m = BTreeMap::new();
    flatten(v, "", &mut m);
    let ip = |keys: &[&str]| first(&m, keys).and_then(|s| s.parse().ok());
    Expect {
        src: ip(&["source.address", "source.ip", "aws.vpcflow.srcaddr"]),
        dst: ip(&["destination.address", "destination.ip", "aws.vpcflow.dstaddr"]),
        pkt_src: ip(&["aws.vpcflow.pkt_srcaddr"]),
        pkt_dst: ip(&["aws.vpcflow.pkt_dstaddr"]),
        sport: first(&m, &["source.port", "aws.vpcflow.srcport"]).and_then(|s| s.parse().ok()),
        dport: first(&m, &["destination.port", "aws.vpcflow.dstport"]).and_then(|s| s.parse().ok()),
        proto: first(&m, &["network.iana_number", "aws.vpcflow.protocol"]).and_then(|s| proto_num(&s)),
        action: first(&m, &["aws.vpcflow.action", "gcp.firewall.rule_details.action"])
            .and_then(|s| action_of(&s))
            .or_else(|| first(&m, &["event.action"]).and_then(|s| action_of(&s))),
        status: first(&m, &["aws.vpcflow.log_status"]),
        start: first(&m, &["event.start", "aws.vpcflow.start"]).and_then(|s| when(&s)),
        end: first(&m, &["event.end", "aws.vpcflow.end"]).and_then(|s| when(&s)),
        rule: first(&m, &["rule.name"]),
    }
}

/// Compares parsed records with expected events, in order.
fn check(name: &str, got: &Collect, expected: &[Expect]) {
    let status = |s: &str| expected.iter().filter(|e| e.status.as_deref() == Some(s)).count() as u64;
    let flows: Vec<&Expect> =
        expected.iter().filter(|e| !matches!(e.status.as_deref(), Some("NODATA" | "SKIPDATA"))).collect();
    assert_eq!(got.nodata, status("NODATA"), "{name}: NODATA records");
    assert_eq!(got.skipdata, status("SKIPDATA"), "{name}: SKIPDATA records");
    assert_eq!(got.flows.len(), flows.len(), "{name}: flow records; malformed: {:?}", got.malformed);
    for (i, (e, (_, g))) in flows.iter().zip(&got.flows).enumerate() {
        let ctx = format!("{name} record {}", i + 1);
        let compared = [
            cmp(&ctx, "source", e.src, g.if_src),
            cmp(&ctx, "destination", e.dst, g.if_dst),
            cmp(&ctx, "pkt-srcaddr", e.pkt_src, g.src),
            cmp(&ctx, "pkt-dstaddr", e.pkt_dst, g.dst),
            cmp(&ctx, "source port", e.sport, g.src_port),
            cmp(&ctx, "destination port", e.dport, g.dst_port),
            cmp(&ctx, "protocol", e.proto, g.protocol),
            cmp(&ctx, "action", e.action, g.action),
            cmp(&ctx, "start", e.start, g.start),
            cmp(&ctx, "end", e.end, g.end),
        ];
        // Every expected flow names at least its addresses.
        assert!(compared[0] && compared[1], "{ctx}: the expected event names no addresses");
        if let Some(r) = &e.rule {
            assert_eq!(&g.rule, r, "{ctx}: rule");
        }
    }
}

/// Compares when the expected side states a value; says whether it did.
fn cmp<T: PartialEq + std::fmt::Debug>(ctx: &str, what: &str, expected: Option<T>, got: Option<T>) -> bool {
    match expected {
        Some(e) => {
            assert_eq!(got, Some(e), "{ctx}: {what}");
            true
        }
        None => false,
    }
}

fn events(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    match v {
        Value::Array(a) => a,
        Value::Object(mut m) => match m.remove("expected") {
            Some(Value::Array(a)) => a,
            other => panic!("{}: unexpected shape {other:?}", path.display()),
        },
        other => panic!("{}: unexpected shape {other:?}", path.display()),
    }
}

/// The AWS format of each case of the Beats processor's test table
/// (`format:` lines, `&anchor` / `<<: *anchor` followed).
fn processor_formats(yml: &str) -> BTreeMap<String, String> {
    let mut formats = BTreeMap::new();
    let mut anchors: BTreeMap<String, String> = BTreeMap::new();
    let mut case: Option<(String, Option<String>)> = None;
    for line in yml.lines() {
        if !line.starts_with(' ') && line.ends_with(':') || (!line.starts_with(' ') && line.contains(": &")) {
            let (name, anchor) = match line.split_once(": &") {
                Some((n, a)) => (n.trim().to_string(), Some(a.trim().to_string())),
                None => (line.trim_end_matches(':').trim().to_string(), None),
            };
            case = Some((name, anchor));
        } else if let Some(f) = line.trim().strip_prefix("format: ") {
            if let Some((name, anchor)) = &case {
                formats.insert(name.clone(), f.to_string());
                if let Some(a) = anchor {
                    anchors.insert(a.clone(), f.to_string());
                }
            }
        } else if let Some(a) = line.trim().strip_prefix("<<: *") {
            if let (Some((name, _)), Some(f)) = (&case, anchors.get(a.trim())) {
                formats.insert(name.clone(), f.clone());
            }
        }
    }
    formats
}

fn one_line(line: &str, format: &str) -> Collect {
    let layout = Layout::parse_fields(format).unwrap();
    let key = S3Key::default();
    let mut c = Collect::default();
    AwsText::new(Some(&layout), None, &key).line(line.as_bytes(), &mut c);
    c
}

#[test]
fn aws_beats_processor_goldens() {
    let Some(root) = shared_flowlogs() else { return };
    let dir = root.join("aws/beats-aws_vpcflow-processor");
    let formats = processor_formats(&std::fs::read_to_string(dir.join("aws-vpc-flow-logs.yml")).unwrap());
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(case) = name.strip_suffix(".golden.json") else { continue };
        let format = formats.get(case).unwrap_or_else(|| panic!("no format for {case}"));
        for (i, ev) in events(&path).iter().enumerate() {
            let msg = ev.get("message").and_then(Value::as_str).expect("golden events carry the record");
            let got = one_line(msg, format);
            assert!(got.malformed.is_empty(), "{name} #{i}: {:?}", got.malformed);
            check(&format!("{name} #{i}"), &got, &[from_ecs(ev)]);
            checked += 1;
        }
    }
    assert_eq!(checked, 30, "every golden event of the nine cases");
}

#[test]
fn aws_filebeat_module_and_integration_pipelines() {
    let Some(root) = shared_flowlogs() else { return };
    let fields = BTreeMap::from([(
        "custom-transit-gateway.log",
        "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status",
    )]);
    let mut pairs = 0;
    for sub in ["aws/beats-filebeat-module-aws-vpcflow", "aws/integrations-aws-vpcflow"] {
        for entry in std::fs::read_dir(root.join(sub)).unwrap() {
            let exp = entry.unwrap().path();
            let name = exp.file_name().unwrap().to_string_lossy().to_string();
            let Some(log) = name.strip_suffix("-expected.json") else { continue };
            let (format, got) = collect(&exp.with_file_name(log), fields.get(log).copied());
            if log == "bad.log" {
                assert_eq!(format, None, "prose is not a flow log");
                pairs += 1;
                continue;
            }
            assert!(format.is_some(), "{log}: not recognized");
            assert!(got.malformed.is_empty(), "{log}: {:?}", got.malformed);
            let expected: Vec<Expect> = events(&exp).iter().map(from_ecs).collect();
            check(log, &got, &expected);
            pairs += 1;
        }
    }
    assert_eq!(pairs, 13);
}

#[test]
fn aws_headerless_custom_format_needs_fields() {
    let Some(root) = shared_flowlogs() else { return };
    let (format, _) = collect(&root.join("aws/beats-filebeat-module-aws-vpcflow/custom-transit-gateway.log"), None);
    assert_eq!(format, None, "17 headerless fields match no layout AWS writes by default");
}

/// Attributes of each OTLP log record in an OpenTelemetry expected YAML.
fn otlp_records(yaml: &str) -> Vec<BTreeMap<String, String>> {
    let mut out: Vec<BTreeMap<String, String>> = Vec::new();
    let mut in_records = false;
    let mut key: Option<String> = None;
    for line in yaml.lines() {
        let t = line.trim();
        if t.ends_with("logRecords:") {
            in_records = true;
            continue;
        }
        if !in_records {
            continue;
        }
        if t == "- attributes:" {
            out.push(BTreeMap::new());
        } else if let Some(k) = t.strip_prefix("- key: ") {
            key = Some(k.to_string());
        } else if let Some((kind, v)) = t.split_once(": ") {
            let v = v.trim_matches('"').to_string();
            if let Some(rec) = out.last_mut() {
                match kind {
                    "stringValue" | "intValue" | "boolValue" => {
                        if let Some(k) = key.take() {
                            rec.entry(k).or_insert(v);
                        }
                    }
                    "timeUnixNano" => {
                        rec.insert("timeUnixNano".into(), v);
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

fn from_otlp(m: &BTreeMap<String, String>, end_from_time: bool) -> Expect {
    let get = |k: &str| m.get(k).cloned();
    Expect {
        src: get("source.address").and_then(|s| s.parse().ok()),
        dst: get("destination.address").and_then(|s| s.parse().ok()),
        sport: get("source.port").and_then(|s| s.parse().ok()),
        dport: get("destination.port").and_then(|s| s.parse().ok()),
        proto: get("network.protocol.name").and_then(|s| proto_num(&s)),
        action: get("aws.vpc.flow.action").and_then(|s| action_of(&s)),
        status: get("aws.vpc.flow.status"),
        start: get("aws.vpc.flow.start")
            .and_then(|s| s.parse().ok())
            .or_else(|| get("gcp.vpc.flow.start_time").and_then(|s| rfc3339(&s))),
        end: get("gcp.vpc.flow.end_time").and_then(|s| rfc3339(&s)).or_else(|| {
            end_from_time
                .then(|| get("timeUnixNano").and_then(|s| s.parse::<i64>().ok()).map(|ns| ns / 1_000_000_000))
                .flatten()
        }),
        ..Expect::default()
    }
}

#[test]
fn otel_aws_and_gcp() {
    let Some(root) = shared_flowlogs() else { return };
    let aws = root.join("aws/otel-awslogsencoding-vpcflow");
    let gcp = root.join("gcp/otel-googlecloudlogentry-vpcflow");
    // (sample, expected, --fields, whether timeUnixNano is the record's end)
    let cases = [
        (aws.join("valid_vpc_flow_log.log"), aws.join("valid_vpc_flow_log_single_expected.yaml"), None, true),
        (aws.join("valid_vpc_flow_log_multi.log"), aws.join("valid_vpc_flow_log_expected_multi.yaml"), None, true),
        (aws.join("valid_vpc_flow_log_ecs.log"), aws.join("valid_vpc_flow_log_ecs_expected.yaml"), None, true),
        (aws.join("valid_tgw_flow_log.log"), aws.join("valid_tgw_flow_log_expected.yaml"), None, true),
        (aws.join("valid_vpc_flow_cw.json"), aws.join("valid_vpc_flow_cw_expected.yaml"), None, false),
        (
            aws.join("valid_vpc_flow_cw_custom.json"),
            aws.join("valid_vpc_flow_cw_custom_expected.yaml"),
            Some("version interface-id srcaddr dstaddr"),
            false,
        ),
        (gcp.join("vpc-flow-log-0-bytes-sent.json"), gcp.join("vpc-flow-log-0-bytes-sent_expected.yaml"), None, false),
        (gcp.join("vpc-flow-log-w-dest-vpc.json"), gcp.join("vpc-flow-log-w-dest-vpc_expected.yaml"), None, false),
    ];
    for (log, exp, fields, end_from_time) in cases {
        let name = log.file_name().unwrap().to_string_lossy().to_string();
        let (format, got) = collect(&log, fields);
        assert!(format.is_some(), "{name}: not recognized");
        assert!(got.malformed.is_empty(), "{name}: {:?}", got.malformed);
        let expected: Vec<Expect> =
            otlp_records(&std::fs::read_to_string(&exp).unwrap()).iter().map(|m| from_otlp(m, end_from_time)).collect();
        assert!(!expected.is_empty(), "{}: no records", exp.display());
        check(&name, &got, &expected);
    }
    // Streaming batches of the multi-record file: one record each, in order.
    let (_, got) = collect(&aws.join("valid_vpc_flow_log_multi.log"), None);
    for (i, batch) in
        ["stream/valid_vpc_flow_log_multi_1.yaml", "stream/valid_vpc_flow_log_multi_2.yaml"].iter().enumerate()
    {
        let expected: Vec<Expect> = otlp_records(&std::fs::read_to_string(aws.join(batch)).unwrap())
            .iter()
            .map(|m| from_otlp(m, true))
            .collect();
        let one = Collect { flows: vec![got.flows[i].clone()], ..Collect::default() };
        check(batch, &one, &expected);
    }
}

#[test]
fn otel_negative_cases_are_reported_with_their_line() {
    let Some(root) = shared_flowlogs() else { return };
    let aws = root.join("aws/otel-awslogsencoding-vpcflow");
    for (file, msg) in [
        ("vpc_flow_log_too_few_fields.log", "13 fields where the format has 14"),
        ("vpc_flow_log_too_many_fields.log", "15 fields where the format has 14"),
    ] {
        let (format, got) = collect(&aws.join(file), None);
        assert!(format.is_some());
        assert!(got.flows.is_empty());
        assert_eq!(got.malformed, vec![(2, msg.to_string())], "{file}");
    }
}

/// Tuples of an Azure pipeline-test expected event.
fn azure_tuples(v: &Value) -> Vec<Expect> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                if let Some(Value::Array(ts)) = m.get("tuples") {
                    for t in ts {
                        let ip = |k: &str| t.pointer(k).and_then(Value::as_str).and_then(|s| s.parse().ok());
                        let port = |k: &str| t.pointer(k).and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok());
                        let action = t
                            .pointer("/traffic/decision")
                            .and_then(Value::as_str)
                            .map(|d| if d == "Denied" { Action::Reject } else { Action::Accept })
                            .or_else(|| {
                                t.pointer("/flow/state").and_then(Value::as_str).map(|s| {
                                    if s == "Deny" {
                                        Action::Reject
                                    } else {
                                        Action::Accept
                                    }
                                })
                            });
                        out.push(Expect {
                            src: ip("/source/ip"),
                            dst: ip("/destination/ip"),
                            sport: port("/source/port"),
                            dport: port("/destination/port"),
                            proto: t.get("protocol").and_then(Value::as_str).and_then(proto_num),
                            action,
                            start: t.get("timestamp").and_then(Value::as_str).and_then(rfc3339),
                            ..Expect::default()
                        });
                    }
                } else {
                    // Members in reverse, so the stack visits them in document order.
                    stack.extend(m.values().rev());
                }
            }
            Value::Array(a) => stack.extend(a.iter().rev()),
            _ => {}
        }
    }
    out
}

#[test]
fn azure_pipeline_tests() {
    let Some(root) = shared_flowlogs() else { return };
    for (log, exp) in [
        ("azure/integrations-azure_network_watcher_nsg/pipeline/test-nsg.log", 1),
        ("azure/integrations-azure_network_watcher_vnet/pipeline/test-vnet.log", 2),
    ] {
        let (format, got) = collect(&root.join(log), None);
        assert!(format.is_some(), "{log}");
        assert!(got.malformed.is_empty(), "{log}: {:?}", got.malformed);
        let expected: Vec<Expect> =
            events(&root.join(format!("{log}-expected.json"))).iter().flat_map(azure_tuples).collect();
        assert_eq!(expected.len(), exp, "{log}: expected tuples");
        check(log, &got, &expected);
    }
}

/// Azure blobs without an expected file: every tuple is read, and its
/// fields agree with a plain split of the tuple string.
#[test]
fn azure_sample_blobs() {
    let Some(root) = shared_flowlogs() else { return };
    for (log, tuples, vnet) in [
        ("azure/integrations-azure_network_watcher_nsg/sample_logs/testdata.log", 11, false),
        ("azure/integrations-azure_network_watcher_vnet/sample_logs/testdata.log", 19, true),
    ] {
        let path = root.join(log);
        let (_, got) = collect(&path, None);
        assert!(got.malformed.is_empty(), "{log}: {:?}", got.malformed);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut raw: Vec<String> = Vec::new();
        let mut stack = vec![&doc];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(m) => {
                    if let Some(Value::Array(ts)) = m.get("flowTuples") {
                        raw.extend(ts.iter().filter_map(|t| t.as_str().map(str::to_string)));
                    } else {
                        stack.extend(m.values().rev());
                    }
                }
                Value::Array(a) => stack.extend(a.iter().rev()),
                _ => {}
            }
        }
        assert_eq!(raw.len(), tuples, "{log}");
        assert_eq!(got.flows.len(), tuples, "{log}");
        let mut denied = 0;
        for (t, (_, g)) in raw.iter().zip(&got.flows) {
            let f: Vec<&str> = t.split(',').collect();
            let expect = Expect {
                src: f[1].parse().ok(),
                dst: f[2].parse().ok(),
                sport: f[3].parse().ok(),
                dport: f[4].parse().ok(),
                action: Some(if f[7] == "D" { Action::Reject } else { Action::Accept }),
                start: f[0].parse::<i64>().ok().map(|t| if vnet { t / 1000 } else { t }),
                ..Expect::default()
            };
            denied += usize::from(f[7] == "D");
            check(log, &Collect { flows: vec![(0, g.clone())], ..Collect::default() }, &[expect]);
        }
        assert!(denied > 0, "{log}: the samples include denied flows");
    }
}

#[test]
fn gcp_firewall_logs() {
    let Some(root) = shared_flowlogs() else { return };
    for (log, exp) in [
        (
            "gcp/beats-filebeat-module-gcp-firewall/rare.log",
            "gcp/beats-filebeat-module-gcp-firewall/rare.log-expected.json",
        ),
        (
            "gcp/integrations-gcp-firewall/test-firewall-event.json",
            "gcp/integrations-gcp-firewall/test-firewall-event.json-expected.json",
        ),
    ] {
        let (format, got) = collect(&root.join(log), None);
        assert!(format.is_some(), "{log}");
        assert!(got.malformed.is_empty(), "{log}: {:?}", got.malformed);
        let evs = events(&root.join(exp));
        let mut expected: Vec<Expect> = evs.iter().map(from_ecs).collect();
        for (e, v) in expected.iter_mut().zip(&evs) {
            // The entry's time, to the second.
            let mut m = BTreeMap::new();
            flatten(v, "", &mut m);
            e.start = first(&m, &["@timestamp"]).and_then(|s| rfc3339(&s));
            // The string protocol `udp` is IANA 17 (the Beats module drops it; the integration maps it).
            e.proto = e.proto.or(Some(17));
        }
        check(log, &got, &expected);
        // Line numbers: NDJSON entries sit on lines 1 and 2.
        if log.ends_with("rare.log") {
            assert_eq!(got.flows.iter().map(|f| f.0).collect::<Vec<_>>(), vec![1, 2]);
        }
    }
}

#[test]
fn every_sample_is_recognized() {
    let Some(root) = shared_flowlogs() else { return };
    let mut n = 0;
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if !p.ends_with("LICENSES") {
                    stack.push(p);
                }
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let is_sample = (name.ends_with(".log") || name.ends_with(".json"))
                && !name.ends_with("-expected.json")
                && !name.ends_with(".golden.json")
                && name != "MANIFEST.json";
            if !is_sample {
                continue;
            }
            let fields = (name == "valid_vpc_flow_cw_custom.json").then_some("version interface-id srcaddr dstaddr");
            let (format, c) = collect(&p, fields);
            let unreadable = ["bad.log", "custom-transit-gateway.log"].contains(&name.as_str());
            assert_eq!(format.is_none(), unreadable, "{}", p.display());
            let _: Vec<&OwnedFlow> = c.flows.iter().map(|f| &f.1).collect();
            n += 1;
        }
    }
    assert_eq!(n, 29, "sample files");
}
