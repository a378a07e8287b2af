//! AWS's XML answers turned into the documents the AWS CLI prints.
//!
//! The CLI (botocore's `EC2QueryParser` and `QueryParser`) walks the
//! operation's output shape, not the XML: a structure's members come out in
//! the model's order, each looked up by its XML name (`groupId` for
//! `GroupId`) and left out when absent; a list's items are all the
//! children of its element (`<item>` or `<member>`), an empty element an
//! empty list; scalars are read from the element's text (`true` is the only
//! true boolean, integers are Python ints, timestamps are kept as sent, as
//! the CLI's default `cli_timestamp_format = wire` does). The shapes
//! themselves are generated from the pinned CLI's models ([`super::shapes`]).

use crate::doc::Doc;
use crate::xml::Element;

/// A shape of a service model, by index into [`super::shapes::SHAPES`].
#[derive(Debug)]
pub enum Shape {
    Structure(&'static [Member]),
    List { member: u16, flattened: bool },
    Map { key: u16, value: u16, key_xml: &'static str, value_xml: &'static str, flattened: bool },
    Scalar(Scalar),
}

#[derive(Debug)]
pub struct Member {
    /// The member's name in the document (`GroupId`).
    pub name: &'static str,
    /// Its element's name in the XML (`groupId`).
    pub xml: &'static str,
    pub shape: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    String,
    Integer,
    Boolean,
    Timestamp,
    Float,
    Blob,
}

/// How an operation pages (the model's paginator).
#[derive(Debug)]
pub struct Paginator {
    pub input_token: &'static str,
    pub output_token: &'static str,
    pub limit_key: &'static str,
    pub result_key: &'static str,
}

#[derive(Debug)]
pub struct Operation {
    pub service: &'static str,
    pub version: &'static str,
    pub name: &'static str,
    pub output: u16,
    /// Query-protocol answers wrap the output in `<NameResult>`.
    pub result_wrapper: Option<&'static str>,
    pub paginator: Option<Paginator>,
}

/// The generated operation `service:name`.
pub fn operation(service: &str, name: &str) -> &'static Operation {
    super::shapes::OPERATIONS
        .iter()
        .find(|o| o.service == service && o.name == name)
        .unwrap_or_else(|| panic!("{service}:{name} is not in the generated shapes (tools/gen_aws_shapes.py)"))
}

/// A value the shape cannot hold (`int("abc")` would raise in the CLI).
#[derive(Debug, thiserror::Error)]
#[error("element <{element}>: {message}")]
pub struct ShapeError {
    pub element: String,
    pub message: String,
}

/// An operation's whole answer as the CLI's parser makes it (before the
/// CLI drops `ResponseMetadata`, which is not made here).
pub fn parse_output(op: &Operation, root: &Element) -> Result<Doc, ShapeError> {
    let start = match op.result_wrapper {
        Some(wrapper) => root.child(wrapper).ok_or_else(|| ShapeError {
            element: root.name.clone(),
            message: format!("no <{wrapper}> in the answer"),
        })?,
        None => root,
    };
    parse(op.output, start)
}

fn shape(index: u16) -> &'static Shape {
    &super::shapes::SHAPES[index as usize]
}

fn parse(index: u16, element: &Element) -> Result<Doc, ShapeError> {
    match shape(index) {
        Shape::Structure(members) => {
            let mut out = Vec::new();
            for m in members.iter() {
                if let Shape::List { flattened: true, member } = shape(m.shape) {
                    // Flattened lists repeat their item element in place.
                    let items: Vec<&Element> = element.children.iter().filter(|c| c.name == m.xml).collect();
                    if !items.is_empty() {
                        let parsed = items.into_iter().map(|c| parse(*member, c)).collect::<Result<_, _>>()?;
                        out.push((m.name.to_string(), Doc::List(parsed)));
                    }
                    continue;
                }
                if let Some(child) = element.child(m.xml) {
                    out.push((m.name.to_string(), parse(m.shape, child)?));
                }
            }
            Ok(Doc::Object(out))
        }
        Shape::List { member, .. } => {
            Ok(Doc::List(element.children.iter().map(|c| parse(*member, c)).collect::<Result<_, _>>()?))
        }
        Shape::Map { key, value, key_xml, value_xml, .. } => {
            let mut out: Vec<(String, Doc)> = Vec::new();
            for entry in &element.children {
                let k = entry.child(key_xml).map(|k| parse(*key, k)).transpose()?;
                let v = entry.child(value_xml).map(|v| parse(*value, v)).transpose()?;
                if let (Some(Doc::String(k)), Some(v)) = (k, v) {
                    // A repeated key keeps its first place and last value, as
                    // a Python dict does.
                    match out.iter_mut().find(|(have, _)| *have == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
            }
            Ok(Doc::Object(out))
        }
        Shape::Scalar(kind) => scalar(*kind, element),
    }
}

fn scalar(kind: Scalar, element: &Element) -> Result<Doc, ShapeError> {
    let text = element.text.as_str();
    let bad = |what: &str| ShapeError { element: element.name.clone(), message: format!("{text:?} is not {what}") };
    Ok(match kind {
        Scalar::String | Scalar::Timestamp | Scalar::Blob => Doc::String(text.to_string()),
        Scalar::Boolean => Doc::Bool(text == "true"),
        Scalar::Integer => {
            // Python's int() takes surrounding white space, a sign and
            // digit-group underscores.
            let t: String = text.trim().chars().filter(|&c| c != '_').collect();
            let value: i128 = t.parse().map_err(|_| bad("an integer"))?;
            Doc::Integer(value.to_string())
        }
        Scalar::Float => Doc::Float(text.trim().parse().map_err(|_| bad("a number"))?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{print, AWS_CLI};

    #[test]
    fn security_groups_in_model_order() {
        let xml = crate::xml::parse(
            r#"<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r</requestId>
  <securityGroupInfo>
    <item>
      <ownerId>123456789012</ownerId>
      <groupName>web</groupName>
      <groupId>sg-1</groupId>
      <groupDescription>d</groupDescription>
      <ipPermissions>
        <item><ipProtocol>tcp</ipProtocol><fromPort>10257</fromPort><toPort>10257</toPort>
          <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges/></item>
      </ipPermissions>
    </item>
  </securityGroupInfo>
  <nextToken>t</nextToken>
</DescribeSecurityGroupsResponse>"#,
        )
        .unwrap();
        let doc = parse_output(operation("ec2", "DescribeSecurityGroups"), &xml).unwrap();
        assert_eq!(doc.get("NextToken").and_then(Doc::as_str), Some("t"));
        let text = print(&doc, AWS_CLI);
        // Member order is the model's, not the XML's.
        let group = text.find("\"GroupId\"").unwrap();
        let owner = text.find("\"OwnerId\"").unwrap();
        assert!(group < owner, "{text}");
        assert!(text.contains("\"FromPort\": 10257,"), "{text}");
        assert!(text.contains("\"Ipv6Ranges\": []"), "{text}");
    }
}
