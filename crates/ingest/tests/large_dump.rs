//! A dump large enough to be read in parts on several threads (and, when
//! printed on one line, through the parse/adapt pipeline) reads exactly as
//! a small one: every group, in order, with each rule's line and column,
//! and errors where they are.

use portcullis_ingest::read_input;

/// `groups` security groups as `aws ec2 describe-security-groups` prints
/// them (four-space indentation), group `bad` with an invalid CIDR. Returns
/// the text and, per group, the line of its rule's `CidrIp` value.
fn dump(groups: usize, bad: usize) -> (String, Vec<u32>) {
    let mut text = String::from("{\n    \"SecurityGroups\": [\n");
    let mut lines = Vec::with_capacity(groups);
    let mut line = 3u32;
    for g in 0..groups {
        if g > 0 {
            text.push_str(",\n");
        }
        let cidr = if g == bad { "10.0.0.0/33".to_string() } else { format!("198.51.{}.0/24", g % 256) };
        // The group starts on `line`; its CidrIp is nine lines further.
        lines.push(line + 9);
        text.push_str(&format!(
            "        {{\n            \"Description\": \"group {g} (with \\\"quotes\\\" and a comma, like this)\",\n            \"GroupName\": \"g{g}\",\n            \"IpPermissions\": [\n                {{\n                    \"FromPort\": 10257,\n                    \"IpProtocol\": \"tcp\",\n                    \"IpRanges\": [\n                        {{\n                            \"CidrIp\": \"{cidr}\"\n                        }}\n                    ],\n                    \"ToPort\": 10257\n                }}\n            ],\n            \"GroupId\": \"sg-{g:017x}\",\n            \"VpcId\": \"vpc-1\"\n        }}"
        ));
        // Eighteen lines a group; the comma ends the last one.
        line += 18;
    }
    text.push_str("\n    ]\n}\n");
    (text, lines)
}

#[test]
fn a_large_dump_reads_like_a_small_one() {
    let groups = 40_000;
    let bad = 31_234;
    let (text, lines) = dump(groups, bad);
    assert!(text.len() > 16 << 20, "large enough for the parallel reader: {} bytes", text.len());
    let indented = read_input("big.json", &text);
    // The same document on one line goes through the pipelined reader.
    let flat: String = text.lines().map(str::trim_start).collect();
    let one_line = read_input("big.json", &flat);
    for (o, how) in [(&indented, "indented"), (&one_line, "one line")] {
        assert_eq!(o.aws.groups.len(), groups, "{how}");
        for (g, sg) in o.aws.groups.iter().enumerate() {
            assert_eq!(sg.id, format!("sg-{g:017x}"), "{how}: groups keep their order");
        }
        assert_eq!(o.errors.len(), 1, "{how}: {:?}", o.errors.first());
        assert!(o.errors[0].message.contains("10.0.0.0/33"), "{how}: {}", o.errors[0].message);
    }
    // Lines and columns in the indented text, in every part.
    for (g, sg) in indented.aws.groups.iter().enumerate() {
        let span = &sg.entries[0].span;
        assert_eq!((span.line, span.column), (lines[g], 39), "group {g}");
    }
    assert_eq!((indented.errors[0].line, indented.errors[0].column), (lines[bad], 39));
}
