//! Specification of the JUnit, GitHub, Markdown and HTML reports, on the
//! shared findings every format is tested on: each output is compared
//! whole with its snapshot in `tests/snapshots/` (after reading it: set
//! `PORTCULLIS_BLESS=1` to write the new output there, then review the
//! diff), and its contract is stated piece by piece below, so a
//! deliberate layout change still keeps it. The hostile finding checks
//! that no text from an input acts as the format's own syntax.

mod common;

use common::{errors, findings, hostile, page_with_reach, render, render_shared, MemSources, FILES_READ};
use portcullis_report::github::Github;
use portcullis_report::html::Html;
use portcullis_report::junit::Junit;
use portcullis_report::markdown::Markdown;
use portcullis_report::{Emitter, Report};
use portcullis_rules::{Finding, Severity};
use std::path::Path;

/// Compares `got` with the snapshot `name`, or writes it when blessing.
fn snapshot(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("PORTCULLIS_BLESS").is_some() {
        std::fs::write(&path, got).expect("write the snapshot");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if got != want {
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            assert_eq!(g, w, "{name}, line {}", i + 1);
        }
        assert_eq!(got.lines().count(), want.lines().count(), "{name}: line count");
        assert_eq!(got, want, "{name}");
    }
}

fn render_with(emitter: &dyn Emitter, findings: &[Finding], fail_on: Option<Severity>) -> String {
    let report = Report { findings, errors: &[], files_read: 1, sources: &MemSources, baseline: None, fail_on };
    let mut out = Vec::new();
    emitter.emit(&report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn snapshots_of_the_shared_findings() {
    snapshot("shared.junit.xml", &render_shared(&Junit));
    snapshot("shared.github.txt", &render_shared(&Github));
    snapshot("shared.md", &render_shared(&Markdown));
    snapshot("shared.html", &render_shared(&Html::default()));
}

#[test]
fn snapshots_of_the_hostile_finding() {
    let f = [hostile()];
    snapshot("hostile.junit.xml", &render(&Junit, &f, &[], 1));
    snapshot("hostile.github.txt", &render(&Github, &f, &[], 1));
    snapshot("hostile.md", &render(&Markdown, &f, &[], 1));
    snapshot("hostile.html", &render(&Html::default(), &f, &[], 1));
}

// JUnit

#[test]
fn junit_has_one_suite_per_rule_one_case_per_finding_and_the_errors() {
    let xml = render_shared(&Junit);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"portcullis\" tests=\"6\" failures=\"4\" errors=\"2\">"), "{xml}");
    let suites: Vec<&str> = xml.lines().filter(|l| l.trim_start().starts_with("<testsuite ")).collect();
    assert_eq!(suites.len(), 4, "PC100, PC101, PC102 and the input errors: {suites:?}");
    assert!(suites[0].contains("name=\"PC100 controller-manager-port-reachable\" tests=\"2\" failures=\"2\""));
    assert_eq!(xml.matches("<testcase ").count(), 6);
    assert!(xml.contains("<testcase classname=\"portcullis.PC100\" name=\"i-0123456789abcdef0 tcp/10257\">"));
    assert!(xml.contains("<failure type=\"critical\" message=\"tcp/10257 (kube-controller-manager) on instance"));
    // The location and the lines that let the sources in are in the failure.
    assert!(xml.contains("dumps/security-groups.json:9:24\n"));
    assert!(
        xml.contains("because: dumps/network-acls.json:6:9: rule 100 allow all from 0.0.0.0/0 (acl-0a1b2c3d4e5f60718)")
    );
    assert!(xml.contains("<error type=\"input\" message=\"cannot read the file: permission denied\">"));
}

#[test]
fn junit_fails_only_what_fails_the_run_and_skips_the_suppressed() {
    let mut all = findings();
    all[0].suppressed = Some(Box::new(portcullis_rules::Suppressed {
        kind: portcullis_rules::SuppressionKind::Inline,
        reason: "vendor <scraper>".into(),
        expires: None,
        file: "dumps/security-groups.json".into(),
        line: 8,
        column: 3,
    }));
    let xml = render_with(&Junit, &all, Some(Severity::High));
    assert!(
        xml.contains("<skipped message=\"suppressed (dumps/security-groups.json:8:3): vendor &lt;scraper&gt;\"/>"),
        "{xml}"
    );
    // critical and high fail; medium and low pass with their details as output.
    let failures = xml.matches("<failure ").count();
    let passes = xml.matches("<system-out>").count();
    let unsuppressed_high = all.iter().filter(|f| f.suppressed.is_none() && f.severity >= Severity::High).count();
    assert_eq!(failures, unsuppressed_high);
    assert_eq!(passes, all.iter().filter(|f| f.suppressed.is_none() && f.severity < Severity::High).count());
    assert!(xml.contains(&format!("failures=\"{failures}\" errors=\"0\">")));
}

#[test]
fn junit_of_a_clean_run_is_one_passing_case() {
    let xml = render_with(&Junit, &[], Some(Severity::Low));
    assert!(xml.contains("tests=\"1\" failures=\"0\" errors=\"0\""), "{xml}");
    assert!(xml.contains("<testcase classname=\"portcullis\" name=\"no findings\">"));
}

#[test]
fn junit_carries_no_hostile_markup() {
    let xml = render(&Junit, &[hostile()], &[], 1);
    assert!(!xml.contains("<script") && !xml.contains("<img") && !xml.contains("<b>"), "{xml}");
    assert!(!xml.contains('\u{1b}'), "control characters are not XML 1.0");
}

// GitHub workflow commands

#[test]
fn github_annotations_by_severity_with_position_and_title() {
    let out = render_shared(&Github);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4 + 2 + 1, "{out}");
    assert!(lines[0].starts_with("::error file=dumps/security-groups.json,line=9,col=24,title=PC100 unrestricted tcp/10257 i-0123456789abcdef0::tcp/10257 (kube-controller-manager)"), "{}", lines[0]);
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::notice file=dumps/security-groups.json,line=13,col=24,title=PC101 public tcp/6443")));
    assert!(lines.iter().any(|l| l.starts_with("::warning file=envs/prod eu/sécurité.json,line=8,col=24,")));
    assert!(lines.contains(&"::error file=dumps/unreadable.json,title=input error::dumps/unreadable.json: cannot read the file: permission denied"));
    assert!(lines[0].contains("%0Asources: 0.0.0.0/0%0Apath: network ACL"), "details on the following lines, escaped");
    assert_eq!(
        *lines.last().unwrap(),
        "4 findings (1 critical, 1 high, 1 medium, 1 low) in 4 input files, 2 input errors"
    );
}

#[test]
fn github_annotations_cannot_be_forged_by_inputs() {
    let out = render(&Github, &[hostile()], &[], 1);
    let commands: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(commands.len(), 1, "one finding, one command: {out}");
    let command = commands[0];
    // The properties end at the first `::`; nothing in them may close them early.
    let (props, message) = command.trim_start_matches("::error ").split_once("::").expect("a command");
    assert_eq!(props.split(',').count(), 4, "file, line, col, title: {props}");
    assert!(props.starts_with("file=evil/<img src=x onerror=alert(1)>%2Ca%3Ab%250A`|.json,line=1,col=1,"), "{props}");
    assert!(message.starts_with("open%0D%0A::error file=forged.tf::forged"), "{message}");
}

// Markdown

#[test]
fn markdown_has_the_summary_rules_table_worst_first_and_details() {
    let md = render_shared(&Markdown);
    assert!(
        md.starts_with(
            "### portcullis\n\n**4 findings** (1 critical, 1 high, 1 medium, 1 low) in 4 input files, 2 input errors\n"
        ),
        "{md}"
    );
    assert!(md.contains("| PC100 | controller-manager-port-reachable | 2 |"));
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| {
            l.starts_with("| critical")
                || l.starts_with("| high")
                || l.starts_with("| medium")
                || l.starts_with("| low")
        })
        .collect();
    let severities: Vec<&str> =
        rows.iter().map(|r| r.split(" | ").next().unwrap_or("").trim_start_matches("| ")).collect();
    assert_eq!(severities, ["critical", "high", "medium", "low"]);
    assert!(md.contains(
        "| critical | PC100 unrestricted | `i-0123456789abcdef0` | tcp/10257 | internet | `dumps/security-groups.json:9:24` |"
    ));
    assert_eq!(md.matches("<details>").count(), 4);
    assert!(md.contains(">  9 |           \"IpRanges\": [{ \"CidrIp\": \"0.0.0.0/0\" }]\n"), "the marked snippet line");
    assert!(md.contains("- path: internet → `network ACL acl-0a1b2c3d4e5f60718` → `security group sg-0cp1234567890abcd` → `i-0123456789abcdef0`"));
    assert!(md.contains(
        "#### Input errors\n\n- `dumps/broken.json:3:17`: expected \\`,\\` or \\`\\}\\` after an object member"
    ));
}

#[test]
fn markdown_carries_no_hostile_markup() {
    let md = render(&Markdown, &[hostile()], &[], 1);
    // Outside code spans and the fenced snippet, with backslash-escaped
    // characters dropped (they are text), no markup is left.
    let outside = unescaped(&strip_code(&md));
    assert!(!outside.contains('\u{1b}'), "control characters are replaced");
    for bad in ["<script", "<img", "<b>", "](javascript"] {
        assert!(!outside.contains(bad), "{bad} in {outside}");
    }
    // The snippet's fence outlasts the backticks in the line.
    assert!(md.contains("````text\n> 1 | {\"x\": \"</pre><script>alert(5)</script>```\"}\n````\n"), "{md}");
}

/// `md` without its backslash escapes and the characters they escape.
fn unescaped(md: &str) -> String {
    let mut out = String::new();
    let mut chars = md.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

/// The Markdown outside code spans and fenced blocks.
fn strip_code(md: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<String> = None;
    for line in md.lines() {
        if let Some(f) = &fence {
            if line == f {
                fence = None;
            }
            continue;
        }
        if line.starts_with("```") {
            fence = Some(line.chars().take_while(|&c| c == '`').collect());
            continue;
        }
        // Code spans: drop text between matching backtick runs.
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            out.push_str(&rest[..start]);
            let run = rest[start..].chars().take_while(|&c| c == '`').count();
            let fence = "`".repeat(run);
            match rest[start + run..].find(&fence) {
                Some(end) => rest = &rest[start + run + end + run..],
                None => {
                    rest = &rest[start + run..];
                }
            }
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

// HTML

#[test]
fn html_is_one_page_with_summary_table_and_details_for_every_finding() {
    let page = render_shared(&Html::default());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.contains("<div class=\"card sev-critical\"><span class=\"n\">1</span>critical</div>"));
    assert!(page.contains("<div class=\"card errors\"><span class=\"n\">2</span>input errors</div>"));
    assert_eq!(page.matches("<tr id=\"r").count(), 4);
    assert_eq!(page.matches("<article class=\"finding").count(), 4);
    assert!(page.contains("<span class=\"line marked\"><span class=\"ln\">9</span>          &quot;IpRanges&quot;: [{ &quot;CidrIp&quot;: &quot;0.0.0.0/0&quot; }]</span>"));
    // The critical finding's path: from the internet through its hops
    // (the finding's `via`) to the instance; the lines that let the
    // sources in are listed under it.
    let path = page.split("<ol class=\"path\"").nth(1).expect("a path").split("</ol>").next().unwrap_or("");
    let hops: Vec<&str> = path.split("<li class=\"").skip(1).map(|h| h.split('"').next().unwrap_or("")).collect();
    assert_eq!(hops.first(), Some(&"origin"), "{path}");
    assert_eq!(hops.last(), Some(&"target"), "{path}");
    let via = findings()[0].reach.as_ref().map_or(0, |r| r.via.len());
    assert!(via > 0 && hops.len() == via + 2, "every hop of `via` is drawn: {path}");
    assert!(page.contains(
        "<dt>because</dt><dd><span class=\"mono\">dumps/network-acls.json:6:9</span> rule 100 allow all from 0.0.0.0/0"
    ));
    // A finding without `via` draws its layers with their admitting lines.
    assert!(page.contains("<li class=\"hop\"><span class=\"hop-kind\">security group</span>"));
    assert!(page.contains(
        "<li><span class=\"mono\">dumps/broken.json:3:17</span>: expected `,` or `}` after an object member</li>"
    ));
}

#[test]
fn html_fetches_nothing_and_allows_only_its_own_style_and_script() {
    let page = render_shared(&Html::default());
    for fetch in ["src=", "href=\"http", "url(", "@import", "<link"] {
        assert!(!page.contains(fetch), "{fetch} in the page");
    }
    assert!(page.contains("content=\"default-src 'none'; style-src 'sha256-"));
    assert_eq!(page.matches("<script>").count(), 1);
    assert_eq!(page.matches("<style>").count(), 1);
}

#[test]
fn html_carries_no_hostile_markup() {
    let page = render(&Html::default(), &[hostile()], &[], 1);
    let before_script = page.rsplit_once("<script>").map_or(page.as_str(), |(b, _)| b);
    for bad in ["<script", "<img", "<b>", "</pre><", "onerror=alert(1)>"] {
        assert!(!before_script.contains(bad), "{bad} in {before_script}");
    }
    assert!(page.contains("evil/&lt;img src=x onerror=alert(1)&gt;,a:b%0A`|.json:1:1"));
}

#[test]
fn html_without_findings_is_the_summary_alone() {
    let report = Report {
        findings: &[],
        errors: &errors(),
        files_read: FILES_READ,
        sources: &MemSources,
        baseline: None,
        fail_on: None,
    };
    let mut out = Vec::new();
    Html::default().emit(&report, &mut out).expect("writes");
    let page = String::from_utf8(out).expect("UTF-8");
    assert!(!page.contains("<table id=\"findings-table\""));
    assert!(page.contains("0 findings in 4 input files, 2 input errors"));
}

#[test]
fn html_draws_the_path_from_the_internet_through_every_hop() {
    let page = page_with_reach();
    let paths: Vec<&str> = page.split("<ol class=\"path\"").skip(1).collect();
    let via = paths.iter().find(|p| p.contains("igw-0a1")).expect("the critical finding's path");
    let via = via.split("</ol>").next().unwrap_or("");
    let hops: Vec<&str> = via.split("<li class=\"").skip(1).map(|h| h.split('"').next().unwrap_or("")).collect();
    assert_eq!(hops, ["origin", "hop", "hop", "hop", "hop", "target"], "{via}");
    let kinds: Vec<&str> =
        via.split("<span class=\"hop-kind\">").skip(1).map(|k| k.split('<').next().unwrap_or("")).collect();
    assert_eq!(kinds, ["from", "internet gateway", "route", "network ACL", "public address", "instance"]);
    assert!(via.contains("0.0.0.0/0 → igw-0a1</span><span class=\"because mono\">dumps/routes.json:12</span>"));
    assert!(via.contains("&lt;203.0.113.7&gt;</span><span class=\"because mono\">referred to only</span>"), "{via}");
    assert!(page.contains(
        "<p class=\"reach reach-internet\"><span class=\"hop-kind\">reach</span> reachable from the internet</p>"
    ));
    // With hops drawn, the lines that let the sources in are listed.
    assert!(page.contains("<dt>because</dt><dd><span class=\"mono\">dumps/security-groups.json:9:24</span>"));
    // The other findings keep their layers.
    assert_eq!(paths.len(), 4, "every exposure finding has a path");
}

#[test]
fn reach_reads_the_contract_fields_and_their_absence() {
    let none = serde_json::json!({"reach": "none", "reach_reason": "no route to an internet gateway", "via": []});
    let reach = portcullis_report::html::Reach::from_contract(&none).expect("a reach");
    assert_eq!((reach.reach.as_str(), reach.reason.as_deref()), ("none", Some("no route to an internet gateway")));
    assert!(portcullis_report::html::Reach::from_contract(&serde_json::json!({"rule": "PC100"})).is_none());
    // The finding's own fields and its JSON say the same.
    for f in findings() {
        let contract = serde_json::to_value(&f).expect("serializes");
        assert_eq!(portcullis_report::html::reach_of(&f), portcullis_report::html::Reach::from_contract(&contract));
    }
    assert!(findings().iter().any(|f| f.reach.is_some()), "the shared findings carry a path");
}

// Reach in the one-line formats

/// The shared critical finding's path, drawn as the text report draws it.
const DRAWN: &str = "internet → igw-0f1e2d3c4b5a69788 → rtb-0a1b2c3d4e5f60718 0.0.0.0/0 (dumps/route-tables.json:14) \
                     → acl-0a1b2c3d4e5f60718 (dumps/network-acls.json:6) → eni-0aa11bb22cc33dd44 public IPv4 54.12.0.7 \
                     (dumps/network-interfaces.json:21) → sg-0cp1234567890abcd (dumps/security-groups.json:9)";

#[test]
fn github_annotations_carry_reach_its_reason_and_the_path() {
    let out = render_shared(&Github);
    let critical = out.lines().find(|l| l.contains("title=PC100 unrestricted tcp/10257")).expect("the critical one");
    assert!(critical.contains(&format!("%0Areach: internet%0Avia: {DRAWN}")), "{critical}");
    let unreached = out.lines().find(|l| l.contains("title=PC102")).expect("the unreached one");
    assert!(
        unreached.contains(
            "%0Areach: none: no internet address is among the sources in question%0Avia: sg-0e7cd0000000000aa"
        ),
        "{unreached}"
    );
    let unknown = out.lines().find(|l| l.contains("aws_instance.control_plane")).expect("the unknown one");
    assert!(unknown.contains("%0Areach: unknown: the input has no AWS route tables"), "{unknown}");
    assert!(!unknown.contains("%0Avia:"), "no path drawn where there is none: {unknown}");
}

#[test]
fn junit_carries_reach_and_the_path_in_the_failure_text() {
    let xml = render_with(&Junit, &findings(), Some(Severity::Low));
    assert!(xml.contains(&format!("reach: internet\nvia: {}\n", DRAWN.replace('>', "&gt;"))), "{xml}");
    assert!(xml.contains("reach: none: no internet address is among the sources in question\n"), "{xml}");
    assert!(xml.contains("reach: unknown: the input has no AWS route tables"), "{xml}");
}

#[test]
fn markdown_shows_reach_in_the_table_and_the_path_in_the_details() {
    let md = render_shared(&Markdown);
    assert!(md.contains("| severity | finding | resource | port | reach | where | message |"), "{md}");
    let row =
        |resource: &str| md.lines().find(|l| l.starts_with("| ") && l.contains(resource)).expect("a row").to_string();
    assert!(row("`i-0123456789abcdef0` | tcp/10257").contains("| tcp/10257 | internet |"));
    assert!(row("`i-0fedcba9876543210`").contains("| tcp/2379 | none |"));
    assert!(row("`aws_instance.control_plane`").contains("| unknown |"));
    assert!(md.contains(&format!("- reach: internet\n- via: `{DRAWN}`\n")), "{md}");
    assert!(md.contains("- reach: none: no internet address is among the sources in question\n"), "{md}");
}
