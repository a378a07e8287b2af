# A control plane's security group before a pull request.

variable "admin_cidrs" {
  type    = list(string)
  default = ["10.40.0.0/16"]
}

resource "aws_security_group" "control_plane" {
  name        = "prod-control-plane"
  description = "kubeadm control plane"
}

resource "aws_security_group_rule" "kcm" {
  type              = "ingress"
  security_group_id = aws_security_group.control_plane.id
  protocol          = "tcp"
  from_port         = 10257
  to_port           = 10257
  cidr_blocks       = var.admin_cidrs
}

resource "aws_security_group_rule" "etcd" {
  type              = "ingress"
  security_group_id = aws_security_group.control_plane.id
  protocol          = "tcp"
  from_port         = 2379
  to_port           = 2380
  cidr_blocks       = ["52.94.0.0/16", "3.5.0.0/16"]
}
