#!/usr/bin/env python3
"""Writes crates/live/src/aws/shapes.rs: the output shapes of the AWS calls
portcullis makes, taken from the service models that the pinned AWS CLI
(awscli, PyPI) ships in its vendored botocore.

The CLI prints a response by parsing the service's XML into the output
shape's members *in the model's member order*, so the member order, the
XML element names and the scalar types are what a reader needs to print
the very documents `aws ec2 describe-…` prints. Those are facts of the
service models (Apache-2.0, github.com/boto/botocore), regenerated here
rather than written by hand.

    python3 crates/live/tools/gen_aws_shapes.py PATH/TO/botocore/data > crates/live/src/aws/shapes.rs
"""

import json
import os
import sys

# (service, API version, operations): every call the live reader makes.
CALLS = [
    (
        "ec2",
        "2016-11-15",
        [
            "DescribeRegions",
            "DescribeSecurityGroups",
            "DescribeNetworkAcls",
            "DescribeInstances",
            "DescribeNetworkInterfaces",
            "DescribeManagedPrefixLists",
            "GetManagedPrefixListEntries",
            "DescribeRouteTables",
            "DescribeInternetGateways",
            "DescribeEgressOnlyInternetGateways",
            "DescribeNatGateways",
            "DescribeAddresses",
            "DescribeSubnets",
            "DescribeVpcs",
        ],
    ),
    (
        "elbv2",
        "2015-12-01",
        ["DescribeLoadBalancers", "DescribeListeners", "DescribeTargetGroups", "DescribeTargetHealth"],
    ),
    ("elb", "2012-06-01", ["DescribeLoadBalancers"]),
    ("sts", "2011-06-15", ["GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity"]),
]

SCALARS = {
    "string": "String",
    "integer": "Integer",
    "long": "Integer",
    "boolean": "Boolean",
    "timestamp": "Timestamp",
    "double": "Float",
    "float": "Float",
    "blob": "Blob",
}


def rust_str(s):
    return json.dumps(s)


def main():
    data = sys.argv[1]
    shapes = []  # emitted Rust expressions
    index = {}  # (service, shape name) -> index
    ops = []

    for service, version, names in CALLS:
        base = os.path.join(data, service, version)
        model = json.load(open(os.path.join(base, "service-2.json")))
        pages = json.load(open(os.path.join(base, "paginators-1.json")))["pagination"]
        defs = model["shapes"]

        def visit(name):
            key = (service, name)
            if key in index:
                return index[key]
            index[key] = len(shapes)
            shapes.append(None)
            shape = defs[name]
            kind = shape["type"]
            if kind == "structure":
                members = []
                for member, ref in shape["members"].items():
                    # Members bound to headers or the status code are not in
                    # the body the CLI prints from.
                    if "location" in ref:
                        continue
                    target = visit(ref["shape"])
                    xml = ref.get("locationName", member)
                    inner = defs[ref["shape"]]
                    if inner["type"] == "list" and inner.get("flattened"):
                        xml = inner["member"].get("locationName", xml)
                    members.append(f"Member {{ name: {rust_str(member)}, xml: {rust_str(xml)}, shape: {target} }}")
                expr = "Shape::Structure(&[" + ", ".join(members) + "])"
            elif kind == "list":
                target = visit(shape["member"]["shape"])
                expr = f"Shape::List {{ member: {target}, flattened: {str(bool(shape.get('flattened'))).lower()} }}"
            elif kind == "map":
                key_shape = visit(shape["key"]["shape"])
                value_shape = visit(shape["value"]["shape"])
                expr = (
                    f"Shape::Map {{ key: {key_shape}, value: {value_shape}, "
                    f"key_xml: {rust_str(shape['key'].get('locationName', 'key'))}, "
                    f"value_xml: {rust_str(shape['value'].get('locationName', 'value'))}, "
                    f"flattened: {str(bool(shape.get('flattened'))).lower()} }}"
                )
            else:
                expr = f"Shape::Scalar(Scalar::{SCALARS[kind]})"
            shapes[index[key]] = expr
            return index[key]

        for name in names:
            op = model["operations"][name]
            out = visit(op["output"]["shape"])
            wrapper = op["output"].get("resultWrapper")
            page = pages.get(name)
            paginator = "None"
            if page:
                paginator = (
                    f"Some(Paginator {{ input_token: {rust_str(page['input_token'])}, "
                    f"output_token: {rust_str(page['output_token'])}, "
                    f"limit_key: {rust_str(page['limit_key'])}, result_key: {rust_str(page['result_key'])} }})"
                )
            ops.append(
                f"    Operation {{ service: {rust_str(service)}, version: {rust_str(version)}, "
                f"name: {rust_str(name)}, output: {out}, result_wrapper: "
                + (f"Some({rust_str(wrapper)})" if wrapper else "None")
                + f", paginator: {paginator} }},"
            )

    print("// @generated by crates/live/tools/gen_aws_shapes.py from the service models of")
    print("// the pinned AWS CLI's vendored botocore (Apache-2.0, github.com/boto/botocore).")
    print("// Do not edit: regenerate when the pinned CLI moves.")
    print()
    print("use super::shape::{Member, Operation, Paginator, Scalar, Shape};")
    print()
    print(f"pub static SHAPES: [Shape; {len(shapes)}] = [")
    for i, s in enumerate(shapes):
        print(f"    /* {i} */ {s},")
    print("];")
    print()
    print(f"pub static OPERATIONS: [Operation; {len(ops)}] = [")
    for o in ops:
        print(o)
    print("];")


if __name__ == "__main__":
    main()
