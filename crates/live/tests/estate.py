# A small AWS estate built in moto through the EC2 and ELB APIs (boto3):
# every kind of thing the live reader reads, with at least one of each.
# Run by the tests with `client(service, region)` and ENDPOINT defined.
import json, sys

region = sys.argv[1] if len(sys.argv) > 1 else "eu-west-1"
ec2 = client("ec2", region)
elbv2 = client("elbv2", region)
elb = client("elb", region)

vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "control-plane"}])
a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone=region + "a")["Subnet"]["SubnetId"]
b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.2.0/24", AvailabilityZone=region + "b")["Subnet"]["SubnetId"]
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
ec2.create_egress_only_internet_gateway(VpcId=vpc)
rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
ec2.associate_route_table(RouteTableId=rtb, SubnetId=a)
eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
ec2.create_nat_gateway(SubnetId=a, AllocationId=eip)

pl = ec2.create_managed_prefix_list(
    PrefixListName="admins", AddressFamily="IPv4", MaxEntries=5,
    Entries=[{"Cidr": "203.0.113.0/24", "Description": "office"}, {"Cidr": "198.51.100.7/32"}],
)["PrefixList"]["PrefixListId"]

open_sg = ec2.create_security_group(GroupName="kcm-open", Description="controller manager, open", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=open_sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 10257, "ToPort": 10257,
     "IpRanges": [{"CidrIp": "0.0.0.0/1", "Description": "half"}, {"CidrIp": "128.0.0.0/1"}],
     "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
    {"IpProtocol": "tcp", "FromPort": 6443, "ToPort": 6443, "PrefixListIds": [{"PrefixListId": pl}]},
])
alb_sg = ec2.create_security_group(GroupName="alb", Description="load balancer", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
ec2.authorize_security_group_ingress(GroupId=open_sg, IpPermissions=[
    {"IpProtocol": "tcp", "FromPort": 10250, "ToPort": 10250, "UserIdGroupPairs": [{"GroupId": alb_sg}]}])

acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny", Egress=False,
                             CidrBlock="0.0.0.0/0", PortRange={"From": 10257, "To": 10259})
ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=False,
                             CidrBlock="0.0.0.0/0")

image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
inst = ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.small", SubnetId=a,
                         SecurityGroupIds=[open_sg])["Instances"]
ec2.create_network_interface(SubnetId=b, Groups=[open_sg], Description="spare")

tg = elbv2.create_target_group(Name="kcm", Protocol="HTTPS", Port=10257, VpcId=vpc, TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": i["InstanceId"], "Port": 10257} for i in inst])
lb = elbv2.create_load_balancer(Name="front", Subnets=[a, b], SecurityGroups=[alb_sg], Scheme="internet-facing")["LoadBalancers"][0]["LoadBalancerArn"]
elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=443, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
elb.create_load_balancer(LoadBalancerName="classic", Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 10257, "InstancePort": 10257}],
                         Subnets=[a], SecurityGroups=[open_sg])
print(json.dumps({"prefix_list": pl, "target_group": tg, "load_balancer": lb}))
