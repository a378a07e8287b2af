resource "aws_security_group_rule" "r" {
  type = "ingress"
  security_group_id = "sg-1"
  from_port = 10258
  to_port = 10256
  protocol = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}
