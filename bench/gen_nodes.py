#!/usr/bin/env python3
"""Add Kubernetes nodes to an estate made by gen_reach_estate.py.

Usage:
    gen_nodes.py ESTATE_DIR OUT_DIR [--nodes N] [--seed S]

Writes OUT_DIR/nodes.json (`kubectl get nodes -o json`: a v1 List of
Node, each with only an InternalIP, so every node is tied through the
address join) naming N interfaces of ESTATE_DIR/network-interfaces.json
chosen with random.Random(seed) among those that are not requester-managed,
and OUT_DIR/service.yaml: a NodePort Service in front of
kube-controller-manager (targetPort 10257, nodePort unset, so every node's
guards are evaluated over the whole node-port range). Python 3 standard
library only; the output is a pure function of the arguments.
"""

import argparse
import json
import os
import random

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: kcm-metrics
  namespace: kube-system
spec:
  type: NodePort
  selector:
    component: kube-controller-manager
  ports:
    - name: https
      protocol: TCP
      port: 10257
      targetPort: 10257
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("estate")
    ap.add_argument("out")
    ap.add_argument("--nodes", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with open(os.path.join(args.estate, "network-interfaces.json"), encoding="utf-8") as f:
        interfaces = [n for n in json.load(f)["NetworkInterfaces"] if not n.get("RequesterManaged")]
    chosen = random.Random(args.seed).sample(interfaces, min(args.nodes, len(interfaces)))
    items = [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": f"node-{i}"},
            "spec": {},
            "status": {"addresses": [{"type": "InternalIP", "address": n["PrivateIpAddress"]}]},
        }
        for i, n in enumerate(chosen)
    ]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "nodes.json"), "w", encoding="utf-8") as f:
        json.dump({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {}}, f, indent=4)
        f.write("\n")
    with open(os.path.join(args.out, "service.yaml"), "w", encoding="utf-8") as f:
        f.write(SERVICE)


if __name__ == "__main__":
    main()
