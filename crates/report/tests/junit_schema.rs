//! The JUnit report against the structure of the schema CI servers read:
//! the Jenkins xUnit plugin's `junit-10.xsd` (github.com/jenkinsci/xunit-plugin,
//! src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd),
//! which GitLab's and Azure DevOps' readers also accept. The schema's rules
//! are written out below (its file is not copied here): which elements may
//! hold which, which attributes each may carry, which are required, and
//! that failure, error, skipped and system-out hold text alone. The XML is
//! parsed by a real parser (roxmltree), so a document that is not
//! well-formed fails before any rule is checked.

mod common;

use common::{errors, findings, hostile, render, render_shared};
use portcullis_report::junit::Junit;
use portcullis_report::{Emitter, Report};
use portcullis_rules::Severity;
use roxmltree::{Document, Node};

/// An element of junit-10.xsd: its attributes, the required ones, and the
/// elements it may contain (`None`: text only).
struct Element {
    name: &'static str,
    attributes: &'static [&'static str],
    required: &'static [&'static str],
    children: Option<&'static [&'static str]>,
}

const SCHEMA: &[Element] = &[
    Element {
        name: "testsuites",
        attributes: &["name", "time", "tests", "failures", "errors"],
        required: &[],
        children: Some(&["testsuite"]),
    },
    Element {
        name: "testsuite",
        attributes: &[
            "name",
            "tests",
            "failures",
            "errors",
            "group",
            "time",
            "skipped",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
        ],
        required: &["name", "tests", "failures", "errors"],
        children: Some(&["testsuite", "properties", "testcase", "system-out", "system-err"]),
    },
    Element {
        name: "testcase",
        attributes: &["name", "time", "classname", "group"],
        required: &["name"],
        children: Some(&[
            "skipped",
            "error",
            "failure",
            "rerunFailure",
            "rerunError",
            "flakyFailure",
            "flakyError",
            "system-out",
            "system-err",
        ]),
    },
    Element { name: "failure", attributes: &["type", "message"], required: &[], children: None },
    Element { name: "error", attributes: &["type", "message"], required: &[], children: None },
    Element { name: "skipped", attributes: &["type", "message"], required: &[], children: None },
    Element { name: "system-out", attributes: &[], required: &[], children: None },
    Element { name: "system-err", attributes: &[], required: &[], children: None },
];

fn check(node: Node, problems: &mut Vec<String>) {
    let name = node.tag_name().name();
    let Some(element) = SCHEMA.iter().find(|e| e.name == name) else {
        problems.push(format!("<{name}> is not an element of the schema"));
        return;
    };
    for a in node.attributes() {
        if !element.attributes.contains(&a.name()) {
            problems.push(format!("<{name}> has attribute {} the schema does not allow", a.name()));
        }
    }
    for r in element.required {
        if node.attribute(*r).is_none() {
            problems.push(format!("<{name}> lacks required attribute {r}"));
        }
    }
    for child in node.children() {
        if child.is_element() {
            match element.children {
                Some(allowed) if allowed.contains(&child.tag_name().name()) => check(child, problems),
                _ => problems.push(format!("<{name}> may not contain <{}>", child.tag_name().name())),
            }
        } else if child.is_text() && element.children.is_some() && !child.text().unwrap_or("").trim().is_empty() {
            problems.push(format!("<{name}> may not contain text"));
        }
    }
}

/// Checks `xml` against the schema and the counts against the cases.
fn valid(xml: &str) -> Document<'_> {
    let doc = Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let mut problems = Vec::new();
    check(root, &mut problems);
    assert!(problems.is_empty(), "{problems:#?}\n{xml}");
    // The counts say what the cases hold (the schema types them as strings;
    // readers parse them as numbers).
    let count = |node: Node, attribute: &str| -> usize {
        node.attribute(attribute).map_or(0, |v| v.parse().unwrap_or_else(|_| panic!("{attribute}={v:?}")))
    };
    let under = |node: Node, tag: &str| node.descendants().filter(|n| n.has_tag_name(tag)).count();
    for suite in std::iter::once(root).chain(root.children().filter(|n| n.is_element())) {
        assert_eq!(count(suite, "tests"), under(suite, "testcase"), "tests of {:?}", suite.attribute("name"));
        assert_eq!(count(suite, "failures"), under(suite, "failure"), "failures of {:?}", suite.attribute("name"));
        assert_eq!(count(suite, "errors"), under(suite, "error"), "errors of {:?}", suite.attribute("name"));
        if suite.has_tag_name("testsuite") {
            assert_eq!(count(suite, "skipped"), under(suite, "skipped"));
        }
    }
    doc
}

#[test]
fn the_shared_report_follows_the_schema() {
    let xml = render_shared(&Junit);
    let doc = valid(&xml);
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("testcase")).count(), 6);
}

#[test]
fn a_clean_run_follows_the_schema() {
    valid(&render(&Junit, &[], &[], 3));
}

#[test]
fn suppressed_passing_and_failing_cases_follow_the_schema() {
    let mut all = findings();
    all[0].suppressed = Some(Box::new(portcullis_rules::Suppressed {
        kind: portcullis_rules::SuppressionKind::Inline,
        reason: "owned by <team> & \"ops\"".into(),
        expires: None,
        file: "a.json".into(),
        line: 1,
        column: 1,
    }));
    let errors = errors();
    let report = Report {
        findings: &all,
        errors: &errors,
        files_read: 4,
        sources: &common::MemSources,
        baseline: None,
        fail_on: Some(Severity::High),
    };
    let mut out = Vec::new();
    Junit.emit(&report, &mut out).expect("writes");
    let xml = String::from_utf8(out).expect("UTF-8");
    let doc = valid(&xml);
    let tag = |t: &str| doc.descendants().filter(|n| n.has_tag_name(t)).count();
    assert_eq!((tag("failure"), tag("skipped"), tag("system-out"), tag("error")), (1, 1, 2, 2), "{xml}");
    let skipped = doc.descendants().find(|n| n.has_tag_name("skipped")).expect("a skipped case");
    assert_eq!(skipped.attribute("message"), Some("suppressed (a.json:1:1): owned by <team> & \"ops\""));
}

#[test]
fn hostile_text_reads_back_as_the_same_text() {
    let xml = render(&Junit, &[hostile()], &[], 1);
    let doc = valid(&xml);
    let case = doc.descendants().find(|n| n.has_tag_name("testcase")).expect("a case");
    assert_eq!(case.attribute("name"), Some(format!("{} tcp/10257", hostile().resource).as_str()));
    let failure = doc.descendants().find(|n| n.has_tag_name("failure")).expect("a failure");
    // The message keeps its line break (as a character reference) and
    // loses only what XML 1.0 cannot carry: the escape character.
    let want = hostile().message.replace('\u{1b}', "\u{fffd}");
    assert_eq!(failure.attribute("message"), Some(want.as_str()));
}

#[test]
fn the_checks_catch_what_the_schema_forbids() {
    let mut problems = Vec::new();
    let bad = "<testsuites><testsuite name=\"a\" tests=\"1\" failures=\"0\"><testcase classname=\"x\" \
               result=\"ok\"><failure><b/></failure></testcase></testsuite></testsuites>";
    let doc = Document::parse(bad).expect("well-formed");
    check(doc.root_element(), &mut problems);
    assert_eq!(
        problems,
        [
            "<testsuite> lacks required attribute errors",
            "<testcase> has attribute result the schema does not allow",
            "<testcase> lacks required attribute name",
            "<failure> may not contain <b>",
        ]
    );
}
