# A small multi-cloud control plane, as a team might commit it.
# `portcullis scan examples/terraform` evaluates the variables below.

variable "admin_cidrs" {
  description = "Who may reach the control plane's health ports."
  type        = list(string)
  default     = ["10.40.0.0/16"]
}

variable "open_health_ports" {
  description = "Temporarily open the controller-manager port to the world (debugging)."
  type        = bool
  default     = true
}

locals {
  kcm_port   = 10257
  kcm_ranges = var.open_health_ports ? ["0.0.0.0/0"] : var.admin_cidrs
}

# AWS: the rule resource attaches to its group through the reference.
resource "aws_security_group" "control_plane" {
  name        = "prod-control-plane"
  description = "kubeadm control plane"
  vpc_id      = "vpc-0e1d2c3b4a5960001"
}

resource "aws_security_group_rule" "kcm" {
  type              = "ingress"
  security_group_id = aws_security_group.control_plane.id
  protocol          = "tcp"
  from_port         = local.kcm_port
  to_port           = local.kcm_port
  cidr_blocks       = local.kcm_ranges
}

resource "aws_security_group_rule" "apiserver" {
  type              = "ingress"
  security_group_id = aws_security_group.control_plane.id
  protocol          = "tcp"
  from_port         = 6443
  to_port           = 6443
  cidr_blocks       = var.admin_cidrs
}

# Azure: the deny at 100 shadows the allow at 200 for 10257 only.
resource "azurerm_network_security_group" "control_plane" {
  name                = "prod-cp-nsg"
  location            = "westeurope"
  resource_group_name = "prod-k8s"

  security_rule {
    name                       = "deny-kcm-from-internet"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Deny"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "10257"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "allow-health-ports"
    priority                   = 200
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "10250-10259"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}

# GCP: target tags narrow which instances, not who may connect.
resource "google_compute_firewall" "control_plane" {
  name          = "prod-cp-health"
  network       = "prod-vpc"
  direction     = "INGRESS"
  source_ranges = ["0.0.0.0/0"]
  source_tags   = ["prometheus"]
  target_tags   = ["control-plane"]

  allow {
    protocol = "tcp"
    ports    = ["10257-10259"]
  }
}
