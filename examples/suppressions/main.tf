# Two control planes with accepted exposures, written down with a reason
# and a date to look again (see README, "Suppressions").

# portcullis:ignore[PC100,PC107] vendor scrapes controller metrics until the VPN link is up exp:2026-12-31
resource "aws_security_group" "metrics" {
  name = "cp-metrics"
  ingress {
    from_port   = 10257
    to_port     = 10259
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "api" {
  name = "cp-api"
  ingress {
    from_port   = 6443
    to_port     = 6443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"] # portcullis:ignore[PC101] public API endpoint, OIDC only exp:2026-03-31
  }
  ingress {
    from_port   = 10250
    to_port     = 10250
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"] # portcullis:ignore[PC103] kubelet from the admin VPN
  }
}
