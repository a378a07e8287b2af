# [2K[1A erase
resource "aws_security_group" "kcm" {
  ingress {
    from_port   = 10257
    to_port     = 10257
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
    description = "\u001b[2K"
  }
}
