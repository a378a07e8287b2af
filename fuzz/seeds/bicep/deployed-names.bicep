param prefix string = 'prod'
param region string

// Deployed as prod-cp-nsg: findings name that, and the symbol is a note.
resource cpNsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: '${prefix}-cp-nsg'
  location: resourceGroup().location
  properties: {
    securityRules: [
      {
        name: 'allow-kcm'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '10257'
        }
      }
    ]
  }

  resource scheduler 'securityRules' = {
    name: 'allow-scheduler'
    properties: {
      priority: 110
      direction: 'Inbound'
      access: 'Allow'
      protocol: 'Tcp'
      sourceAddressPrefix: '*'
      sourcePortRange: '*'
      destinationAddressPrefix: '*'
      destinationPortRange: '10259'
    }
  }
}

resource kubelet 'Microsoft.Network/networkSecurityGroups/securityRules@2023-09-01' = {
  parent: cpNsg
  name: 'allow-kubelet'
  properties: {
    priority: 120
    direction: 'Inbound'
    access: 'Allow'
    protocol: 'Tcp'
    sourceAddressPrefix: '52.94.76.0/24'
    sourcePortRange: '*'
    destinationAddressPrefix: '*'
    destinationPortRange: '10250'
  }
}

// Joined by its `nsg/rule` name, built from the NSG's deployed name.
resource office 'Microsoft.Network/networkSecurityGroups/securityRules@2023-09-01' = {
  name: '${cpNsg.name}/allow-office'
  properties: {
    priority: 130
    direction: 'Inbound'
    access: 'Allow'
    protocol: 'Tcp'
    sourceAddressPrefix: '52.94.77.0/24'
    sourcePortRange: '*'
    destinationAddressPrefix: '*'
    destinationPortRange: '6443'
  }
}

// The region has no default: the name cannot be told, the symbol stands in.
resource regional 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: '${region}-nsg'
  properties: {
    securityRules: [
      {
        name: 'allow-kcm'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: '*'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '10257'
        }
      }
    ]
  }
}
