//! The Terraform configuration evaluator, specified by fixtures: each case
//! is a directory under `fixtures/terraform/`, evaluated the way `scan`
//! evaluates a root module, with the resources, values, unknowns, refs and
//! errors it must produce.

use portcullis_ingest::languages::terraform::hcl::{evaluate_dir, Inputs, ModuleResult};
use portcullis_ingest::languages::terraform::Resource;
use portcullis_syntax::{Kind, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terraform").join(case)
}

fn eval(case: &str) -> ModuleResult {
    eval_with(case, &Inputs::default())
}

fn eval_with(case: &str, inputs: &Inputs) -> ModuleResult {
    evaluate_dir(&fixture(case), case, inputs)
}

/// A value in a compact, readable form: `[1, "a", {k = true}]`,
/// `unknown(reason)`.
fn show(v: &Value) -> String {
    match &v.kind {
        Kind::Null => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.clone(),
        Kind::String(s) => format!("{s:?}"),
        Kind::List(l) => format!("[{}]", l.iter().map(show).collect::<Vec<_>>().join(", ")),
        Kind::Map(o) => {
            format!(
                "{{{}}}",
                o.iter().map(|m| format!("{} = {}", m.key, show(&m.value))).collect::<Vec<_>>().join(", ")
            )
        }
        Kind::Unknown { reason, .. } => format!("unknown({reason})"),
        // Not made by the Terraform evaluator; shown so a stray one is seen.
        Kind::Resource { id, .. } => format!("resource({id})"),
        Kind::Removed => "removed".into(),
    }
}

fn resource<'r>(r: &'r ModuleResult, address: &str) -> &'r Resource {
    r.resources.iter().find(|x| x.address == address).unwrap_or_else(|| {
        let all: Vec<&str> = r.resources.iter().map(|x| x.address.as_str()).collect();
        panic!("no resource {address}; have {all:?}")
    })
}

fn attr(r: &ModuleResult, address: &str, name: &str) -> String {
    resource(r, address).values.get(name).map_or_else(|| "<absent>".into(), show)
}

fn no_errors(r: &ModuleResult) {
    assert!(r.errors.is_empty(), "unexpected errors: {:#?}", r.errors);
}

#[test]
fn variable_precedence_follows_terraform() {
    let inputs = Inputs {
        var_files: vec![fixture("variables").join("extra.vars")],
        vars: vec![
            ("cli".into(), "from-cli".into()),
            ("port".into(), "10257".into()),
            ("cidrs".into(), r#"["10.0.0.0/8", "::/0"]"#.into()),
        ],
    };
    let r = eval_with("variables", &inputs);
    no_errors(&r);
    let a = "test_thing.v";
    assert_eq!(attr(&r, a, "only_default"), r#""from-default""#);
    assert_eq!(attr(&r, a, "tfvars"), r#""from-tfvars""#);
    assert_eq!(attr(&r, a, "tfvars_json"), r#""from-tfvars-json""#);
    assert_eq!(attr(&r, a, "auto_a"), r#""from-a-auto""#);
    assert_eq!(attr(&r, a, "auto_b"), r#""from-b-auto-json""#);
    assert_eq!(attr(&r, a, "var_file"), r#""from-var-file""#);
    assert_eq!(attr(&r, a, "cli"), r#""from-cli""#);
    // `type = number` converts the command line's string.
    assert_eq!(attr(&r, a, "port"), "10257");
    // A complex type parses the value as an expression.
    assert_eq!(attr(&r, a, "cidrs"), r#"["10.0.0.0/8", "::/0"]"#);
    // optional() defaults fill what the value leaves out.
    assert_eq!(attr(&r, a, "rules"), r#"[{port = 22, cidrs = ["10.0.0.0/8"]}, {port = 443, cidrs = ["0.0.0.0/0"]}]"#);
    assert_eq!(attr(&r, a, "missing"), "unknown(variable `missing` has no value: no default and none given)");
    // The unknown points at the reference.
    let missing = resource(&r, a).values.get("missing").unwrap();
    assert_eq!((missing.span.line, missing.span.column), (48, 18));
}

#[test]
fn variable_without_inputs_is_unknown_at_the_reference() {
    let r = eval("variables");
    assert_eq!(attr(&r, "test_thing.v", "port"), "unknown(variable `port` has no value: no default and none given)");
    assert_eq!(attr(&r, "test_thing.v", "cli"), r#""from-b-auto-json""#);
}

#[test]
fn locals_evaluate_in_dependency_order_and_cycles_are_reported() {
    let r = eval("locals");
    assert_eq!(attr(&r, "test_thing.l", "chain"), r#""A-b-c""#);
    assert!(
        attr(&r, "test_thing.l", "cycle").starts_with("unknown(local value `"),
        "{}",
        attr(&r, "test_thing.l", "cycle")
    );
    assert!(r.errors.iter().any(|e| e.message.contains("reference cycle") && e.file == "locals/main.tf" && e.line > 0));
}

#[test]
fn expressions_follow_terraform_semantics() {
    let r = eval("expressions");
    no_errors(&r);
    let e = "test_thing.e";
    let cases = [
        ("cond", r#""strict""#),
        ("cond_num", "1"),
        ("list_for", "[23, 10258]"),
        ("obj_for", r#"{a = "10.0.0.0/16", b = "0.0.0.0/0"}"#),
        ("public", r#"["b"]"#),
        ("grouped", r#"{ops = ["ann", "cid"], dev = ["bob"]}"#),
        ("splat", r#"["ann", "bob", "cid"]"#),
        ("attr_splat", r#"["ops", "dev", "ops"]"#),
        ("template", r#""prod-3""#),
        ("directive", r#""22,443,10257,""#),
        ("if_dir", r#""yes""#),
        ("heredoc", r#""env=prod\n""#),
        ("arith", "7"),
        ("logic", "true"),
        ("compare", "true"),
        ("eq_types", "false"),
        ("index", "10257"),
        ("attr", r#""0.0.0.0/0""#),
        ("nested", r#"{a = [1, {b = "c"}]}"#),
        ("nullv", "null"),
    ];
    for (name, want) in cases {
        assert_eq!(attr(&r, e, name), want, "attribute {name}");
    }
}

#[test]
fn dynamic_blocks_expand_from_a_list_variable() {
    let r = eval("dynamic");
    no_errors(&r);
    let sg = resource(&r, "aws_security_group.cp");
    let ingress = sg.values.get("ingress").and_then(Value::as_list).expect("ingress list");
    // One static block, two from the variable, one unknown (data source).
    assert_eq!(ingress.len(), 4);
    assert_eq!(
        show(&ingress[0]),
        r#"{from_port = 443, to_port = 443, protocol = "tcp", cidr_blocks = ["192.168.0.0/16"]}"#
    );
    assert_eq!(
        show(&ingress[2]),
        r#"{from_port = 10257, to_port = 10257, protocol = "tcp", cidr_blocks = ["0.0.0.0/0", "::/0"], description = "rule 1"}"#
    );
    assert_eq!(
        ingress[3].unknown_reason(),
        Some(
            "dynamic \"ingress\" blocks are not known: data source data.aws_prefix_list.pl is read at plan/apply time"
        )
    );
}

#[test]
fn count_and_for_each_give_terraform_addresses() {
    let r = eval("expansion");
    no_errors(&r);
    let addrs: Vec<&str> = r.resources.iter().map(|x| x.address.as_str()).collect();
    assert_eq!(
        addrs,
        [
            "aws_security_group.counted[0]",
            "aws_security_group.counted[1]",
            "aws_security_group.each_set[\"a\"]",
            "aws_security_group.each_set[\"b\"]",
            "aws_security_group.each_map[\"api\"]",
            "aws_security_group.each_map[\"web\"]",
            "aws_security_group.unknown_count",
            "aws_security_group_rule.pick",
        ]
    );
    assert_eq!(attr(&r, "aws_security_group.counted[1]", "name"), r#""sg-1""#);
    assert_eq!(attr(&r, "aws_security_group.each_set[\"a\"]", "name"), r#""sg-a""#);
    assert_eq!(
        attr(&r, "aws_security_group.each_map[\"api\"]", "ingress"),
        r#"[{from_port = 10257, to_port = 10257, protocol = "tcp"}]"#
    );
    // Unknown count: one resource, known parts kept, count.index unknown.
    assert_eq!(attr(&r, "aws_security_group.unknown_count", "name"), r#""fixed""#);
    assert!(attr(&r, "aws_security_group.unknown_count", "description").starts_with(
        "unknown(count.index is unknown because `count` is not known (data source data.aws_availability_zones.az"
    ));
    let pick = resource(&r, "aws_security_group_rule.pick");
    assert_eq!(pick.refs["security_group_id"], ["aws_security_group.counted[1]"]);
    assert_eq!(
        attr(&r, "aws_security_group_rule.pick", "security_group_id"),
        "unknown(aws_security_group.counted[1].id is known only after apply)"
    );
    assert_eq!(attr(&r, "aws_security_group_rule.pick", "cidr_blocks"), r#"["api"]"#);
    assert_eq!(pick.refs["cidr_blocks"], ["aws_security_group.each_map[\"api\"]"]);
}

#[test]
fn refs_follow_locals_modules_and_outputs() {
    let r = eval("refs");
    no_errors(&r);
    let rule = resource(&r, "aws_security_group_rule.kcm");
    assert_eq!(rule.refs["security_group_id"], ["aws_security_group.cp"]);
    assert_eq!(
        attr(&r, "aws_security_group_rule.kcm", "security_group_id"),
        "unknown(aws_security_group.cp.id is known only after apply)"
    );
    // A configured attribute of another resource is its value.
    assert_eq!(attr(&r, "aws_security_group_rule.kcm", "description"), r#""control-plane""#);
    // A registry module: unknown, with the reason, and nothing produced.
    assert_eq!(
        attr(&r, "aws_security_group_rule.kcm", "cidr_blocks"),
        "[unknown(module `net` comes from `terraform-aws-modules/vpc/aws`, which cannot be read offline)]"
    );
    assert!(r.resources.iter().all(|x| !x.address.starts_with("module.net.")));
    let node = resource(&r, "aws_instance.node");
    assert_eq!(node.refs["vpc_security_group_ids"], ["module.sg.aws_security_group.this", "aws_security_group.cp"]);
    assert_eq!(
        attr(&r, "aws_instance.node", "ami"),
        "unknown(data source data.aws_ami.ubuntu is read at plan/apply time)"
    );
    assert!(!node.refs.contains_key("ami"));
    assert_eq!(attr(&r, "aws_instance.node", "user_data"), "unknown(function `base64gzip` is not supported)");
    assert_eq!(attr(&r, "aws_instance.node", "tags"), r#"{Name = "nodes-vpc-123", Second = "c1"}"#);
    assert_eq!(node.refs["tags"], ["module.sg.aws_security_group.this", "module.counted[1].aws_security_group.this"]);
}

#[test]
fn local_modules_take_inputs_and_prefix_addresses() {
    let r = eval("refs");
    let sg = resource(&r, "module.sg.aws_security_group.this");
    assert_eq!(sg.span.file.as_ref(), "refs/modules/sg/main.tf");
    assert_eq!(sg.span.line, 8);
    assert_eq!(attr(&r, "module.sg.aws_security_group.this", "name"), r#""nodes-vpc-123""#);
    let ingress = sg.values.get("ingress").and_then(Value::as_list).expect("ingress");
    assert_eq!(ingress.iter().map(|b| show(b.get("from_port").unwrap())).collect::<Vec<_>>(), ["10250", "10257"]);
    assert_eq!(sg.refs["name"], ["aws_security_group.cp"]);
    assert_eq!(attr(&r, "module.counted[0].aws_security_group.this", "name"), r#""c0""#);
    assert_eq!(attr(&r, "module.counted[1].aws_security_group.this", "ingress"), "[]");
    let canon = std::fs::canonicalize(fixture("refs/modules/sg")).unwrap();
    assert_eq!(r.module_dirs_called, [canon]);
    assert!(r.files.contains(&"refs/modules/sg/main.tf".to_string()));
}

#[test]
fn syntax_errors_are_located_and_other_files_still_evaluate() {
    let r = eval("syntax_error");
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    let e = &r.errors[0];
    assert_eq!(e.file, "syntax_error/a_broken.tf");
    assert_eq!(e.kind, portcullis_ingest::error::ErrorKind::Syntax);
    assert!(e.line >= 3 && e.column > 0, "{e}");
    assert_eq!(attr(&r, "test_thing.good", "name"), r#""still evaluated""#);
}

#[test]
fn spans_point_at_the_expressions() {
    let r = eval("spans");
    no_errors(&r);
    let sg = resource(&r, "aws_security_group.cp");
    assert_eq!((sg.span.file.as_ref(), sg.span.line, sg.span.column), ("spans/main.tf", 1, 1));
    let ingress = &sg.values.get("ingress").and_then(Value::as_list).unwrap()[0];
    assert_eq!(ingress.span.line, 3);
    let cidrs = ingress.get("cidr_blocks").and_then(Value::as_list).unwrap();
    assert_eq!((cidrs[0].span.line, cidrs[0].span.column), (8, 7));
    assert_eq!((cidrs[1].span.line, cidrs[1].span.column), (9, 7));
    assert_eq!(ingress.get("from_port").unwrap().span.line, 4);
    // An unsupported function is unknown at the call.
    let d = sg.values.get("description").unwrap();
    assert_eq!(d.unknown_reason(), Some("function `somefn` is not supported"));
    assert_eq!((d.span.line, d.span.column), (12, 17));
}

#[test]
fn json_syntax_evaluates_templates() {
    let r = eval("json");
    no_errors(&r);
    assert_eq!(attr(&r, "aws_security_group.cp", "name"), r#""cp-10257""#);
    assert_eq!(
        attr(&r, "aws_security_group.cp", "ingress"),
        r#"[{from_port = 10257, to_port = 10257, protocol = "tcp", cidr_blocks = ["0.0.0.0/0"]}]"#
    );
    let sg = resource(&r, "aws_security_group.cp");
    assert_eq!(sg.span.file.as_ref(), "json/main.tf.json");
    assert_eq!(sg.span.line, 6);
}

#[test]
fn hostile_inputs_end_in_errors_not_exhaustion() {
    // The evaluator's limits (value size, nesting, string length) end the
    // work; how fast is a benchmark's question, not this test's, so the
    // assertions are on what the limits produce.
    let r = eval("hostile");
    assert_eq!(attr(&r, "test_thing.small", "length"), "2");
    let big = resource(&r, "test_thing.big");
    for name in ["flat", "nested_for", "strings", "replaced"] {
        let v = big.values.get(name).unwrap();
        assert!(v.unknown_reason().is_some(), "{name}: {}", show(v));
    }
    assert!(r.errors.iter().any(|e| e.message.contains("more than the 100000 instances")), "{:#?}", r.errors);
    assert!(r.errors.iter().any(|e| e.message.contains("calls itself")), "{:#?}", r.errors);
    // Deep nesting is refused before parsing.
    let dir = std::env::temp_dir().join(format!("portcullis-tf-deep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), format!("locals {{ x = {}{} }}", "[".repeat(100_000), "]".repeat(100_000)))
        .unwrap();
    let r = evaluate_dir(&dir, "deep", &Inputs::default());
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(r.errors.len(), 1, "{:#?}", r.errors);
    assert!(r.errors[0].message.contains("nested more than"));
}

/// Evaluates `expr` as an attribute of a throwaway configuration.
fn eval_exprs(exprs: &[&str]) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("portcullis-tf-fn-{}-{}", std::process::id(), exprs.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = String::from("variable \"unknown\" {}\nresource \"test\" \"f\" {\n");
    for (i, e) in exprs.iter().enumerate() {
        text.push_str(&format!("  f{i} = {e}\n"));
    }
    text.push_str("}\n");
    std::fs::write(dir.join("main.tf"), text).unwrap();
    let r = evaluate_dir(&dir, "fn", &Inputs::default());
    std::fs::remove_dir_all(&dir).ok();
    (0..exprs.len()).map(|i| attr(&r, "test.f", &format!("f{i}"))).collect()
}

const U: &str = "unknown(variable `unknown` has no value: no default and none given)";

#[test]
fn functions_table() {
    let table: &[(&str, &str)] = &[
        ("concat([1], [2, 3], [])", "[1, 2, 3]"),
        ("concat([var.unknown], [1])", &format!("[{U}, 1]")),
        ("flatten([[1, [2]], [], 3])", "[1, 2, 3]"),
        ("distinct([1, 2, 1, 3, 2])", "[1, 2, 3]"),
        ("compact([\"a\", \"\", null, \"b\"])", r#"["a", "b"]"#),
        ("toset([\"b\", \"a\", \"b\"])", r#"["a", "b"]"#),
        ("tolist([1, 2])", "[1, 2]"),
        ("tomap({a = 1})", "{a = 1}"),
        ("merge({a = 1, b = 2}, {b = 3}, null)", "{a = 1, b = 3}"),
        ("lookup({a = 1}, \"a\", 0)", "1"),
        ("lookup({a = 1}, \"z\", 0)", "0"),
        ("element([\"a\", \"b\"], 3)", r#""b""#),
        ("length([1, var.unknown])", "2"),
        ("length({a = 1, b = 2})", "2"),
        ("length(\"héllo\")", "5"),
        ("keys({b = 1, a = 2})", r#"["a", "b"]"#),
        ("values({b = 1, a = 2})", "[2, 1]"),
        ("contains([\"a\", \"b\"], \"b\")", "true"),
        ("contains([1], \"1\")", "false"),
        ("coalesce(null, \"\", \"x\")", r#""x""#),
        ("coalesce(\"first\", var.unknown)", r#""first""#),
        ("coalesce(null, var.unknown)", U),
        ("coalescelist([], [1, 2])", "[1, 2]"),
        ("format(\"%s:%d %v %q %%\", \"a\", 10257, true, \"b\")", r#""a:10257 true \"b\" %""#),
        ("format(\"%05d|%-4s|%.2f\", 42, \"x\", 3.14159)", r#""00042|x   |3.14""#),
        ("join(\",\", [\"a\", \"b\"])", r#""a,b""#),
        ("split(\",\", \"a,b,,c\")", r#"["a", "b", "", "c"]"#),
        ("replace(\"10.0.0.0/8\", \"/\", \"_\")", r#""10.0.0.0_8""#),
        ("replace(\"port-10257\", \"/[a-z]+-(\\\\d+)/\", \"$1\")", r#""10257""#),
        ("lower(\"ABC\")", r#""abc""#),
        ("upper(\"abc\")", r#""ABC""#),
        ("trimspace(\"  x \\n\")", r#""x""#),
        ("try(var.nope.x, \"fallback\")", r#""fallback""#),
        ("try(var.unknown, \"fallback\")", U),
        ("can(regex(\"^a\", \"abc\"))", "true"),
        ("can(regex(\"^z\", \"abc\"))", "false"),
        ("range(3)", "[0, 1, 2]"),
        ("range(1, 10, 4)", "[1, 5, 9]"),
        ("range(5, 0, -2)", "[5, 3, 1]"),
        ("zipmap([\"a\", \"b\"], [1, 2])", "{a = 1, b = 2}"),
        ("jsondecode(\"{\\\"a\\\": [1, true, null]}\")", "{a = [1, true, null]}"),
        ("tostring(10257)", r#""10257""#),
        ("tonumber(\"10257\")", "10257"),
        ("tobool(\"true\")", "true"),
        ("max(1, 10257, 3)", "10257"),
        ("min(4, 2.5)", "2.5"),
        ("abs(-3)", "3"),
        ("sort([\"b\", \"a\", \"c\"])", r#"["a", "b", "c"]"#),
        ("reverse([1, 2, 3])", "[3, 2, 1]"),
        ("slice([1, 2, 3, 4], 1, 3)", "[2, 3]"),
        ("startswith(\"10.0.0.0/8\", \"10.\")", "true"),
        ("endswith(\"x.tf\", \".tf\")", "true"),
        ("substr(\"hello\", 1, 3)", r#""ell""#),
        ("substr(\"hello\", -3, -1)", r#""llo""#),
        ("trim(\"--x--\", \"-\")", r#""x""#),
        ("trimprefix(\"sg-1\", \"sg-\")", r#""1""#),
        ("trimsuffix(\"a.tf\", \".tf\")", r#""a""#),
        ("one([\"x\"])", r#""x""#),
        ("one([])", "null"),
        ("sum([1, 2, 3.5])", "6.5"),
        ("setunion([\"b\"], [\"a\", \"b\"])", r#"["a", "b"]"#),
        ("setintersection([\"a\", \"b\"], [\"b\", \"c\"])", r#"["b"]"#),
        ("setsubtract([\"a\", \"b\"], [\"b\"])", r#"["a"]"#),
        ("chunklist([1, 2, 3], 2)", "[[1, 2], [3]]"),
        ("formatlist(\"%s/32\", [\"10.0.0.1\", \"10.0.0.2\"])", r#"["10.0.0.1/32", "10.0.0.2/32"]"#),
        ("regex(\"(\\\\d+)-(\\\\d+)\", \"80-443\")", r#"["80", "443"]"#),
        ("regex(\"(?P<from>\\\\d+)-(?P<to>\\\\d+)\", \"80-443\")", r#"{from = "80", to = "443"}"#),
        ("regexall(\"\\\\d+\", \"1 22 333\")", r#"["1", "22", "333"]"#),
        ("alltrue([true, true])", "true"),
        ("anytrue([false, true])", "true"),
        ("index([\"a\", \"b\"], \"b\")", "1"),
        ("jsonencode({b = [1, \"x\"], a = null})", r#""{\"a\":null,\"b\":[1,\"x\"]}""#),
        ("upper(var.unknown)", U),
        ("file(\"x\")", "unknown(function `file` reads a file)"),
        ("nosuchfn(1)", "unknown(function `nosuchfn` is not supported)"),
        ("cidrsubnet(\"10.0.0.0/16\", 8, 2)", r#""10.0.2.0/24""#),
        ("cidrsubnet(\"10.1.2.3/16\", 4, 15)", r#""10.1.240.0/20""#),
        ("cidrsubnet(\"fd00:fd12:3456:7890::/56\", 16, 162)", r#""fd00:fd12:3456:7800:a200::/72""#),
        ("cidrsubnet(\"2001:db8::/32\", 0, 0)", r#""2001:db8::/32""#),
        ("cidrhost(\"10.12.112.0/20\", 268)", r#""10.12.113.12""#),
        ("cidrhost(\"10.0.0.0/24\", -2)", r#""10.0.0.254""#),
        ("cidrhost(\"fd00:fd12:3456:7890:00a2::/72\", 34)", r#""fd00:fd12:3456:7890::22""#),
        ("cidrnetmask(\"172.16.0.0/12\")", r#""255.240.0.0""#),
        ("cidrnetmask(\"10.0.0.0/32\")", r#""255.255.255.255""#),
        (
            "cidrsubnets(\"10.1.0.0/16\", 4, 4, 8, 4)",
            r#"["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]"#,
        ),
    ];
    let exprs: Vec<&str> = table.iter().map(|(e, _)| *e).collect();
    let got = eval_exprs(&exprs);
    let mut failures = Vec::new();
    for ((expr, want), got) in table.iter().zip(&got) {
        if got != want {
            failures.push(format!("{expr}\n   want {want}\n    got {got}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), table.len(), failures.join("\n"));
}

#[test]
fn function_errors_and_limits_are_errors_not_panics() {
    let got = eval_exprs(&[
        "range(1000000000)",
        "cidrsubnet(\"10.0.0.0/24\", 4, 16)",
        "cidrnetmask(\"::/64\")",
        "element([], 0)",
        "1 / 0",
        "99999999999999999999 * 99999999999999999999",
    ]);
    for g in &got[..5] {
        assert!(g.starts_with("unknown("), "{g}");
    }
    assert!(got[0].contains("more than 100000 elements"), "{}", got[0]);
}

/// Walks directories for the corpus run.
fn tf_dirs(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(root) else { return };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    let mut has_tf = false;
    for p in entries {
        if p.is_dir() {
            tf_dirs(&p, out);
        } else if p.extension().is_some_and(|e| e == "tf")
            || p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".tf.json"))
        {
            has_tf = true;
        }
    }
    if has_tf {
        out.push(root.to_path_buf());
    }
}

fn collect_unknowns(v: &Value, out: &mut BTreeMap<String, usize>) {
    match &v.kind {
        Kind::Unknown { reason: r, .. } => {
            // Group reasons by their shape, not the names in them.
            let key: String =
                r.split('`').enumerate().map(|(i, p)| if i % 2 == 1 { "…" } else { p }).collect::<Vec<_>>().join("`");
            let key = if key.contains(" is known only after apply") {
                "X is known only after apply".to_string()
            } else if key.starts_with("data source ") {
                "data source … is read at plan/apply time".to_string()
            } else {
                key
            };
            *out.entry(key).or_default() += 1;
        }
        Kind::List(l) => l.iter().for_each(|x| collect_unknowns(x, out)),
        Kind::Map(o) => o.iter().for_each(|m| collect_unknowns(&m.value, out)),
        _ => {}
    }
}

#[test]
fn corpus_every_directory_evaluates_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if !root.is_dir() {
        assert!(
            std::env::var("PORTCULLIS_REQUIRE_FIXTURES").unwrap_or_default().is_empty(),
            "PORTCULLIS_REQUIRE_FIXTURES is set but {} is absent",
            root.display()
        );
        eprintln!("notice: {} is absent; corpus evaluation skipped", root.display());
        return;
    }
    let mut dirs = Vec::new();
    tf_dirs(&root, &mut dirs);
    let (mut resources, mut errors, mut files) = (0usize, 0usize, 0usize);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut error_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let start = std::time::Instant::now();
    for d in &dirs {
        let shown = d.strip_prefix(&root).unwrap_or(d).display().to_string();
        let r = evaluate_dir(d, &shown, &Inputs::default());
        for e in &r.errors {
            assert!(!e.message.contains("panicked"), "{}: {}", shown, e.message);
            let key: String = e.message.split('`').enumerate().map(|(i, p)| if i % 2 == 1 { "…" } else { p }).collect();
            *error_kinds.entry(key.chars().take(90).collect()).or_default() += 1;
        }
        resources += r.resources.len();
        errors += r.errors.len();
        files += r.files.len();
        for res in &r.resources {
            collect_unknowns(&res.values, &mut reasons);
        }
    }
    eprintln!(
        "corpus: {} directories, {} files read, {} resources, {} errors, {:.1}s",
        dirs.len(),
        files,
        resources,
        errors,
        start.elapsed().as_secs_f64()
    );
    let mut top: Vec<(&String, &usize)> = reasons.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    eprintln!("top unknown reasons:");
    for (r, n) in top.iter().take(25) {
        eprintln!("  {n:6}  {r}");
    }
    let mut top: Vec<(&String, &usize)> = error_kinds.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    eprintln!("top errors:");
    for (r, n) in top.iter().take(25) {
        eprintln!("  {n:6}  {r}");
    }
    assert!(!dirs.is_empty());
}
