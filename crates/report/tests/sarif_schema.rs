//! Specification of the SARIF output: it validates against the official
//! SARIF 2.1.0 JSON schema, and it has what GitHub code scanning needs on
//! top of the schema (docs.github.com/en/code-security/code-scanning,
//! "SARIF support for code scanning"): rule ids that resolve, relative
//! percent-encoded URIs, 1-based lines, help text, `security-severity`,
//! and `partialFingerprints`.
//!
//! The schema is not committed here. It is looked up at test time: the path
//! in `PORTCULLIS_SARIF_SCHEMA`, else the copy the `serde-sarif` crate ships
//! in the cargo registry. Without it the schema test is skipped with a
//! visible notice, unless `PORTCULLIS_REQUIRE_FIXTURES` is set (CI).

mod common;

use common::{errors, findings, render, render_shared, ODD_FILE};
use portcullis_report::sarif::{path_uri, Sarif};
use portcullis_rules::RULES;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

const SKIPPED: &str = "SKIPPED: SARIF schema not found (set PORTCULLIS_SARIF_SCHEMA)";

fn env_set(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// `$CARGO_HOME/registry/src/*/serde-sarif-*/src/schema.json`, the newest
/// by name when several versions are unpacked.
fn schema_in_cargo_registry() -> Option<PathBuf> {
    let cargo_home =
        env_set("CARGO_HOME").map(PathBuf::from).or_else(|| env_set("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let mut found = Vec::new();
    for index in std::fs::read_dir(cargo_home.join("registry").join("src")).ok()?.flatten() {
        let Ok(crates) = std::fs::read_dir(index.path()) else { continue };
        for krate in crates.flatten() {
            if krate.file_name().to_string_lossy().starts_with("serde-sarif-") {
                let schema = krate.path().join("src").join("schema.json");
                if schema.is_file() {
                    found.push(schema);
                }
            }
        }
    }
    found.sort();
    found.pop()
}

/// The SARIF 2.1.0 schema, or `None` after printing the skip notice.
fn sarif_schema() -> Option<Value> {
    let path = match env_set("PORTCULLIS_SARIF_SCHEMA") {
        Some(p) => Some(PathBuf::from(p)),
        None => schema_in_cargo_registry(),
    };
    let Some(path) = path else {
        if env_set("PORTCULLIS_REQUIRE_FIXTURES").is_some() {
            panic!("{SKIPPED}");
        }
        // Straight to stderr: libtest captures `eprintln!` of passing
        // tests, and a skip nobody sees is a silent pass.
        let _ = writeln!(std::io::stderr(), "{SKIPPED}");
        return None;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the SARIF schema {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    assert!(
        schema["title"].as_str().is_some_and(|t| t.contains("2.1.0")),
        "{} is not the SARIF 2.1.0 schema (title {})",
        path.display(),
        schema["title"]
    );
    Some(schema)
}

fn sarif_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("SARIF output does not parse: {e}\n{text}"))
}

fn assert_valid(schema: &Value, doc: &Value, what: &str) {
    let validator = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("the SARIF schema does not compile: {e}"));
    let problems: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("  at {}: {e} (schema {})", e.instance_path, e.schema_path))
        .collect();
    assert!(
        problems.is_empty(),
        "{what}: SARIF output violates the 2.1.0 schema ({} errors):\n{}\n{doc:#}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn validates_against_the_sarif_2_1_0_schema() {
    let Some(schema) = sarif_schema() else { return };
    assert_valid(&schema, &sarif_of(&render_shared(&Sarif)), "shared findings and errors");
    assert_valid(&schema, &sarif_of(&render(&Sarif, &[], &[], 0)), "an empty report");
}

/// Suppressed findings stay results, with SARIF `suppressions` (inline →
/// `inSource`, config → `external`, the reason as `justification`); the
/// suppression rules resolve in the driver's rule list.
#[test]
fn suppressed_results_carry_sarif_suppressions() {
    use portcullis_rules::{Suppressed, SuppressionKind};
    let mut all = findings();
    all[0].suppressed = Some(Box::new(Suppressed {
        kind: SuppressionKind::Inline,
        reason: "vendor scrapes metrics".into(),
        expires: Some("2026-12-31".into()),
        file: all[0].file.clone(),
        line: 3,
        column: 5,
    }));
    all[1].suppressed = Some(Box::new(Suppressed {
        kind: SuppressionKind::Config,
        reason: "public on purpose".into(),
        expires: None,
        file: "portcullis.toml".into(),
        line: 1,
        column: 1,
    }));
    let doc = sarif_of(&render(&Sarif, &all, &[], 1));
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(results[0]["suppressions"][0]["justification"], "vendor scrapes metrics");
    assert_eq!(results[0]["suppressions"][0]["location"]["physicalLocation"]["region"]["startLine"], 3);
    assert_eq!(results[1]["suppressions"][0]["kind"], "external");
    assert!(results[2].get("suppressions").is_none());
    let rules = doc["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules.iter().any(|r| r["id"] == "PC900") && rules.iter().any(|r| r["id"] == "PC901"));
    let Some(schema) = sarif_schema() else { return };
    assert_valid(&schema, &doc, "suppressed results");
}

/// The validator itself must reject a broken document, or a pass above
/// proves nothing.
#[test]
fn the_schema_check_rejects_a_broken_document() {
    let Some(schema) = sarif_schema() else { return };
    let mut doc = sarif_of(&render_shared(&Sarif));
    doc["runs"][0]["results"][0]["level"] = Value::from("fatal");
    let validator = jsonschema::draft7::new(&schema).expect("the SARIF schema compiles");
    assert!(!validator.is_valid(&doc), "a result level of `fatal` should be rejected");
}

fn run() -> Value {
    let doc = sarif_of(&render_shared(&Sarif));
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "one run");
    runs[0].clone()
}

/// A relative URI reference as GitHub resolves it against the repository
/// root: no scheme, no leading `/` or `./`, nothing that needs encoding.
fn assert_relative_uri(uri: &str, what: &str) {
    assert!(!uri.is_empty(), "{what}: empty uri");
    assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{what}: {uri:?} is not repository-relative");
    let first_segment = uri.split('/').next().unwrap_or("");
    assert!(!first_segment.contains(':'), "{what}: {uri:?} would read as a URI with a scheme");
    assert!(
        uri.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'),
        "{what}: {uri:?} has a character that should be percent-encoded"
    );
}

fn assert_location(loc: &Value, what: &str) {
    let phys = &loc["physicalLocation"];
    let uri = phys["artifactLocation"]["uri"].as_str().unwrap_or_else(|| panic!("{what}: no artifactLocation.uri"));
    assert_relative_uri(uri, what);
    let line = phys["region"]["startLine"].as_u64().unwrap_or_else(|| panic!("{what}: no region.startLine"));
    assert!(line >= 1, "{what}: startLine {line}");
}

/// An error about a whole file (line 0) names the file and claims no line.
fn assert_file_location(loc: &Value, what: &str) {
    let phys = &loc["physicalLocation"];
    let uri = phys["artifactLocation"]["uri"].as_str().unwrap_or_else(|| panic!("{what}: no artifactLocation.uri"));
    assert_relative_uri(uri, what);
    match phys.get("region") {
        None => {}
        Some(r) => assert!(r["startLine"].as_u64().is_some_and(|l| l >= 1), "{what}: bad region {r}"),
    }
}

#[test]
fn every_result_names_a_rule_of_the_driver() {
    let run = run();
    let rules = run["tool"]["driver"]["rules"].as_array().expect("tool.driver.rules is an array");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().expect("a rule has a string id")).collect();
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "rule ids are unique: {ids:?}");
    let all: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    assert_eq!(ids, all, "the driver lists the whole registry, in its order");
    let families: Vec<_> = RULES.iter().map(|r| r.family.kind()).collect();
    assert!(
        families.windows(2).all(|w| w[0] <= w[1]),
        "port, hardening, probe, flow-log, then suppression rules: {families:?}"
    );
    let results = run["results"].as_array().expect("results is an array");
    assert_eq!(results.len(), findings().len());
    for (r, f) in results.iter().zip(findings()) {
        let id = r["ruleId"].as_str().expect("ruleId is a string");
        assert_eq!(id, f.rule);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex is set for catalog rules") as usize;
        assert_eq!(ids.get(index), Some(&id), "ruleIndex points at the rule named by ruleId");
    }
}

#[test]
fn every_result_has_a_relative_location_with_a_line() {
    let run = run();
    for (i, r) in run["results"].as_array().expect("results is an array").iter().enumerate() {
        let locations = r["locations"].as_array().expect("locations is an array");
        assert!(!locations.is_empty(), "results[{i}] has no location");
        for loc in locations {
            assert_location(loc, &format!("results[{i}].locations"));
        }
        for loc in r["relatedLocations"].as_array().into_iter().flatten() {
            assert_location(loc, &format!("results[{i}].relatedLocations"));
        }
    }
    for (i, n) in run["invocations"][0]["toolExecutionNotifications"].as_array().into_iter().flatten().enumerate() {
        for loc in n["locations"].as_array().into_iter().flatten() {
            assert_file_location(loc, &format!("toolExecutionNotifications[{i}]"));
        }
    }
}

#[test]
fn locations_point_where_the_finding_points() {
    let run = run();
    let results = run["results"].as_array().expect("results is an array");
    for (r, f) in results.iter().zip(findings()) {
        let phys = &r["locations"][0]["physicalLocation"];
        assert_eq!(phys["artifactLocation"]["uri"], path_uri(&f.file));
        assert_eq!(phys["region"]["startLine"], f.line);
        assert_eq!(phys["region"]["startColumn"], f.column);
        let related = r["relatedLocations"].as_array().expect("every shared finding has because entries");
        assert_eq!(related.len(), f.because.len());
        for (l, b) in related.iter().zip(f.because.iter()) {
            assert_eq!(l["physicalLocation"]["artifactLocation"]["uri"], path_uri(&b.file));
            assert_eq!(l["physicalLocation"]["region"]["startLine"], b.line);
        }
    }
    let odd = results.iter().find(|r| r["ruleId"] == "PC102").expect("the PC102 result");
    assert_eq!(
        odd["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "envs/prod%20eu/s%C3%A9curit%C3%A9.json",
        "{ODD_FILE:?}: space and UTF-8 bytes percent-encoded"
    );
}

#[test]
fn the_path_from_the_internet_is_a_code_flow_in_hop_order() {
    let run = run();
    let results = run["results"].as_array().expect("results is an array");
    for (r, f) in results.iter().zip(findings()) {
        let Some(reach) = &f.reach else { continue };
        assert_eq!(r["properties"]["reach"], reach.reach.as_str(), "{}", f.rule);
        if reach.via.is_empty() {
            assert!(r.get("codeFlows").is_none(), "{}: a code flow without hops", f.rule);
            continue;
        }
        let locations = r["codeFlows"][0]["threadFlows"][0]["locations"].as_array().expect("one thread of locations");
        assert_eq!(locations.len(), reach.via.len(), "{}: one location per hop", f.rule);
        for (l, v) in locations.iter().zip(&reach.via) {
            let text = l["location"]["message"]["text"].as_str().expect("every hop says what it is");
            assert!(text.starts_with(&format!("{}: {}", v.hop, v.resource)), "{text}");
            if v.line > 0 {
                assert_location(&l["location"], &format!("{} hop {}", f.rule, v.resource));
                assert_eq!(l["location"]["physicalLocation"]["region"]["startLine"], v.line);
            } else {
                let region = l["location"]["physicalLocation"].get("region");
                assert!(region.is_none(), "{text}: a hop without a line claims no region");
            }
        }
    }
    assert!(results.iter().any(|r| r.get("codeFlows").is_some()), "the shared findings include one with a path");
}

#[test]
fn path_uri_makes_repository_relative_references() {
    let cases = [
        ("dumps/security-groups.json", "dumps/security-groups.json"),
        ("./dumps/sg.json", "dumps/sg.json"),
        ("././dumps/sg.json", "dumps/sg.json"),
        ("envs\\prod\\sg.json", "envs/prod/sg.json"),
        ("prod eu/sécurité.json", "prod%20eu/s%C3%A9curit%C3%A9.json"),
        ("a#b?c%d.json", "a%23b%3Fc%25d.json"),
        ("k8s:prod/sg.json", "k8s%3Aprod/sg.json"),
    ];
    for (path, want) in cases {
        assert_eq!(path_uri(path), want, "path_uri({path:?})");
        assert_relative_uri(&path_uri(path), path);
    }
}

#[test]
fn every_rule_has_help_and_a_security_severity() {
    let run = run();
    for rule in run["tool"]["driver"]["rules"].as_array().expect("rules is an array") {
        let id = &rule["id"];
        let help = rule["help"]["text"].as_str().unwrap_or_else(|| panic!("{id}: no help.text"));
        assert!(help.contains("## What it does"), "{id}: help.text is not the rule's docs: {help:?}");
        let sev = rule["properties"]["security-severity"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: properties.security-severity is not a string"));
        let n: f64 = sev.parse().unwrap_or_else(|e| panic!("{id}: security-severity {sev:?}: {e}"));
        assert!((0.0..=10.0).contains(&n), "{id}: security-severity {n} is outside 0.0-10.0");
    }
}

#[test]
fn every_result_has_partial_fingerprints() {
    let run = run();
    let mut seen = BTreeSet::new();
    for (i, r) in run["results"].as_array().expect("results is an array").iter().enumerate() {
        let fp = r["partialFingerprints"].as_object().unwrap_or_else(|| panic!("results[{i}]: no partialFingerprints"));
        assert!(!fp.is_empty(), "results[{i}]: empty partialFingerprints");
        for v in fp.values() {
            assert!(v.as_str().is_some_and(|s| !s.is_empty()), "results[{i}]: fingerprint {v} is not a string");
        }
        assert!(seen.insert(Value::Object(fp.clone()).to_string()), "results[{i}]: fingerprint repeats: {fp:?}");
    }
}

/// GitHub matches alerts across commits by fingerprint: moving a rule to
/// another line must not make it a new alert.
#[test]
fn fingerprints_survive_a_line_move() {
    let fp = |f: portcullis_rules::Finding| {
        let doc = sarif_of(&render(&Sarif, &[f], &[], 1));
        doc["runs"][0]["results"][0]["partialFingerprints"].clone()
    };
    let before = common::unrestricted_pc100();
    let mut after = before.clone();
    after.line += 7;
    after.column = 3;
    assert_eq!(fp(before), fp(after));
}

#[test]
fn input_errors_are_tool_notifications() {
    let run = run();
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "the shared report has input errors");
    let notes = invocation["toolExecutionNotifications"].as_array().expect("notifications are an array");
    let texts: Vec<&str> = notes.iter().map(|n| n["message"]["text"].as_str().unwrap_or("")).collect();
    let want: Vec<String> = errors().into_iter().map(|e| e.message).collect();
    assert_eq!(texts, want);
}

#[test]
fn absolute_paths_become_file_uris_and_whole_file_errors_claim_no_line() {
    assert_eq!(portcullis_report::sarif::path_uri("/srv/infra/sg.json"), "file:///srv/infra/sg.json");
    let run = run();
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().expect("notifications");
    assert!(
        notes.iter().any(|n| n["locations"][0]["physicalLocation"].get("region").is_none()),
        "the line-0 error has no region"
    );
}

/// A probe finding (`portcullis probe`): its location is the URL that was
/// asked, kept as an absolute URI (a valid `uri-reference`; GitHub code
/// scanning shows only repository files, see docs/semantics.md), and the
/// targets-file line that named the endpoint is a related location.
fn probe_finding() -> portcullis_rules::Finding {
    let mut f = common::unrestricted_pc100();
    f.rule = "PC302".into();
    f.kind = portcullis_rules::FindingKind::Probe;
    f.exposure = None;
    f.resource = "10.0.0.5:10257".into();
    f.file = "https://10.0.0.5:10257/metrics".into();
    f.line = 0;
    f.column = 0;
    f.sources = Default::default();
    f.because = vec![portcullis_rules::Because {
        file: "targets.txt".into(),
        line: 2,
        column: 1,
        rule: "probe target".into(),
        resource: "10.0.0.5:10257".into(),
    }]
    .into();
    f.flag = Some("authorization-always-allow-paths".into());
    f.message = "/metrics answered 200 to a client without credentials".into();
    f.resource_kind = "endpoint".into();
    f.path = Default::default();
    f
}

#[test]
fn probe_results_validate_and_point_at_the_url() {
    let doc = sarif_of(&render(&Sarif, &[probe_finding()], &[], 1));
    let r = &doc["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "PC302");
    let index = r["ruleIndex"].as_u64().expect("probe rules have a ruleIndex") as usize;
    assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"][index]["id"], "PC302");
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "https://10.0.0.5:10257/metrics");
    assert!(phys.get("region").is_none(), "no line to claim");
    assert_eq!(r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"], "targets.txt");
    assert_eq!(r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"], 2);
    let Some(schema) = sarif_schema() else { return };
    assert_valid(&schema, &doc, "a probe finding");
}
