resource "aws_security_group" "kcm" {
  ingress {
    from_port   = 10258
    to_port     = 10256
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
