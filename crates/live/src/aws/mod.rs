//! AWS, read live: the accounts (the caller's, or each `--role-arn`), their
//! regions, and in each region the calls of [`calls::REGIONAL`], run on a
//! bounded pool of workers. Every paginated call is followed to its end;
//! a call that fails is an error naming its account, region and call, and
//! the others go on. Each call's answer becomes the document `aws … --output
//! json` prints, under `aws/<account>/<region>/`.

pub mod calls;
pub mod credentials;
pub mod endpoint;
pub mod profile;
pub mod query;
pub mod shape;
#[rustfmt::skip]
pub mod shapes;
pub mod sigv4;

use crate::doc::{self, Doc};
use crate::env::Env;
use crate::error::{ErrorKind, LiveError};
use crate::http::{self, Http};
use crate::{Progress, Reading, Sink, Tally};
use calls::{Call, Follow};
use credentials::{Chain, Credentials};
use endpoint::Resolver;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Regions {
    /// The configured region (`AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile's `region`, the instance's).
    #[default]
    Default,
    /// Every region enabled for the account (`ec2:DescribeRegions`).
    All,
    List(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct Options {
    pub profile: Option<String>,
    pub regions: Regions,
    /// Roles to assume, one account each; none: the caller's own account.
    pub role_arns: Vec<String>,
    /// Calls in flight at once, over all accounts and regions.
    pub concurrency: usize,
    /// Items a page asks for; `None`: the most each call allows.
    pub page_size: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options { profile: None, regions: Regions::Default, role_arns: Vec::new(), concurrency: 16, page_size: None }
    }
}

/// One account to read, with the credentials to read it.
struct Account {
    id: String,
    credentials: Credentials,
}

/// Counts requests and retries for the summary.
struct Counter<'a> {
    tally: &'a Tally,
}

impl query::Observer for Counter<'_> {
    fn request(&self, _call: &str) {
        self.tally.request();
    }
}

/// The region to use when none is named: the SDKs' order.
fn home_region(env: &Env, profiles: &profile::Profiles, profile: Option<&str>) -> Option<String> {
    env.var("AWS_REGION")
        .or_else(|| env.var("AWS_DEFAULT_REGION"))
        .map(str::to_string)
        .or_else(|| profiles.get(profile.unwrap_or("default")).and_then(|s| s.get("region")).cloned())
        .filter(|r| !r.is_empty())
}

/// The account id in a role ARN (`arn:aws:iam::123456789012:role/x`).
fn account_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    let ok = parts.next() == Some("arn") && parts.next().is_some() && parts.next() == Some("iam");
    let _region = parts.next();
    let account = parts.next()?;
    (ok && account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// Reads every account and region; never fails as a whole: what could not
/// be read is in the errors.
pub fn read(options: &Options, env: &Env, progress: &dyn Progress) -> Reading {
    crate::read_with("aws", |sink, tally| read_into(options, env, progress, sink, tally))
}

fn read_into(
    options: &Options,
    env: &Env,
    progress: &dyn Progress,
    sink: &Sink,
    tally: &Tally,
) -> Result<(), LiveError> {
    let place = "aws";
    let profiles = profile::Profiles::load(env)?;
    // The profile that settings (region, endpoints, CA bundle) come from.
    let settings_profile = options
        .profile
        .clone()
        .or_else(|| env.var("AWS_PROFILE").map(str::to_string))
        .unwrap_or_else(|| "default".to_string());
    let ca_bundle = env
        .var("AWS_CA_BUNDLE")
        .map(|p| env.expand(p))
        .or_else(|| profiles.get(&settings_profile).and_then(|s| s.get("ca_bundle")).map(|p| env.expand(p)));
    let http = Http::new(ca_bundle.as_deref(), http::API_TIMEOUTS)?;
    let metadata_http = Http::new(None, http::METADATA_TIMEOUTS)?;
    let listed_first = match &options.regions {
        Regions::List(list) => list.first().cloned(),
        _ => None,
    };
    let mut home = home_region(env, &profiles, Some(&settings_profile)).or(listed_first);
    let probe_chain =
        Chain { env, profiles: &profiles, http: &http, metadata_http: &metadata_http, region: "us-east-1" };
    if home.is_none() {
        home = probe_chain.instance_region(Some(&settings_profile));
    }
    let home = home.ok_or_else(|| {
        LiveError::new(
            ErrorKind::Config,
            "no AWS region: name them with --regions (or --regions all), or set AWS_REGION or the profile's region",
        )
        .at(place)
    })?;
    let chain = Chain { region: &home, ..probe_chain };
    let base = chain.resolve(options.profile.as_deref())?;
    let resolver = Resolver::new(env, &profiles, Some(&settings_profile));
    let mut accounts = Vec::new();
    if options.role_arns.is_empty() {
        let sts = resolver.endpoint(endpoint::STS, &home);
        let id = credentials::account_of(&http, &sts, &base.credentials)
            .map_err(|e| LiveError { kind: ErrorKind::Credentials, ..e }.at(format!("aws ({})", base.source)))?;
        accounts.push(Account { id, credentials: base.credentials.clone() });
    } else {
        for role in &options.role_arns {
            let Some(id) = account_of_arn(role) else {
                sink.error(
                    LiveError::new(
                        ErrorKind::Config,
                        format!("--role-arn {role} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"),
                    )
                    .at(place),
                );
                continue;
            };
            match credentials::assume_role(&chain, &settings_profile, &base.credentials, role, None, None, None) {
                Ok(c) => accounts.push(Account { id: id.to_string(), credentials: c }),
                Err(e) => sink.error(e.at(format!("aws account {id}"))),
            }
        }
    }
    let counter = Counter { tally };
    let mut work: Vec<(Arc<Account>, String)> = Vec::new();
    for account in accounts {
        let account = Arc::new(account);
        let regions = match &options.regions {
            Regions::Default => vec![home.clone()],
            Regions::List(list) => list.clone(),
            Regions::All => {
                let endpoint = resolver.endpoint(endpoint::EC2, &home);
                let op = shape::operation("ec2", "DescribeRegions");
                // Every region, with its opt-in status: those the account
                // has not enabled are named as skipped, not left out unsaid.
                let params = [("AllRegions".to_string(), "true".to_string())];
                match query::call(&http, &endpoint, &account.credentials, op, &params, &counter) {
                    Ok(doc) => {
                        let (enabled, disabled) = region_names(&doc);
                        if !disabled.is_empty() {
                            sink.note(format!(
                                "aws account {}: not read: {} opt-in region{} the account has not enabled ({})",
                                account.id,
                                disabled.len(),
                                if disabled.len() == 1 { "" } else { "s" },
                                disabled.join(", ")
                            ));
                        }
                        enabled
                    }
                    Err(e) => {
                        sink.error(e.at(format!("aws account {}", account.id)));
                        continue;
                    }
                }
            }
        };
        for region in regions {
            work.push((account.clone(), region));
        }
    }
    let context = Context { http: &http, resolver: &resolver, options, progress, sink, tally, counter: &counter };
    progress.calls_planned((work.len() * calls::REGIONAL.len()) as u64);
    crate::pool::run(options.concurrency, |queue| {
        for (account, region) in work {
            tally.scope("regions");
            let region = Arc::new(region);
            for call in calls::REGIONAL {
                let (account, region, context) = (account.clone(), region.clone(), &context);
                queue.spawn(move |queue| context.run(queue, &account, &region, call));
            }
        }
    });
    let mut nouns: Vec<&str> = Vec::new();
    for c in calls::REGIONAL {
        nouns.push(c.noun);
        if let Some(f) = &c.follow {
            nouns.push(f.call.call.noun);
        }
    }
    tally.order(&nouns);
    Ok(())
}

/// The regions `DescribeRegions` (with `AllRegions`) lists, split into
/// those the account can use and the opt-in ones it has not enabled
/// (`OptInStatus` `not-opted-in`; the others are `opt-in-not-required` and
/// `opted-in`: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Region.html>),
/// each sorted.
fn region_names(doc: &Doc) -> (Vec<String>, Vec<String>) {
    let mut enabled = Vec::new();
    let mut disabled = Vec::new();
    for region in doc.get("Regions").and_then(Doc::as_list).unwrap_or(&[]) {
        let Some(name) = region.get("RegionName").and_then(Doc::as_str) else { continue };
        if region.get("OptInStatus").and_then(Doc::as_str) == Some("not-opted-in") {
            disabled.push(name.to_string());
        } else {
            enabled.push(name.to_string());
        }
    }
    enabled.sort();
    disabled.sort();
    (enabled, disabled)
}

/// What every call of a read shares.
struct Context<'a> {
    http: &'a Http,
    resolver: &'a Resolver,
    options: &'a Options,
    progress: &'a dyn Progress,
    sink: &'a Sink,
    tally: &'a Tally,
    counter: &'a Counter<'a>,
}

/// Per-item answers gathered into one document (listeners of every load
/// balancer): filled by index so the order is the balancers' order, and
/// written by the last call to finish. A failed call leaves the document
/// out rather than have it look complete.
struct Gather {
    slots: Mutex<Vec<Option<Vec<Doc>>>>,
    remaining: AtomicUsize,
    failed: std::sync::atomic::AtomicBool,
}

impl<'a> Context<'a> {
    fn place(account: &Account, region: &str) -> String {
        format!("aws account {} {region}", account.id)
    }

    fn path(account: &Account, region: &str, file: &str) -> String {
        format!("aws/{}/{region}/{file}", account.id)
    }

    /// One call, all its pages; the document, or the error recorded.
    fn fetch(&self, account: &Account, region: &str, call: &Call, params: &[(String, String)]) -> Option<Doc> {
        let endpoint = self.resolver.endpoint(call.service, region);
        let op = shape::operation(call.model, call.operation);
        let page_size = call.page_size.map(|max| self.options.page_size.map_or(max, |p| p.min(max)));
        let mut page = |items: &[Doc]| self.progress.items_read(call.noun, calls::count(call, items));
        let result =
            query::paginate(self.http, &endpoint, &account.credentials, op, params, page_size, self.counter, &mut page);
        self.progress.call_finished();
        match result {
            Ok(doc) => {
                let items = doc.get(call.result_key).and_then(Doc::as_list).map_or(0, |l| calls::count(call, l));
                self.tally.add(call.noun, items);
                Some(doc)
            }
            Err(e) => {
                self.sink.error(e.at(Self::place(account, region)));
                None
            }
        }
    }

    fn save(&self, account: &Account, region: &str, file: &str, doc: &Doc) {
        // The CLI prints nothing for an empty answer (`{}`).
        let text =
            if matches!(doc, Doc::Object(m) if m.is_empty()) { String::new() } else { doc::print(doc, doc::AWS_CLI) };
        self.sink.document(Self::path(account, region, file), text);
    }

    fn run(
        &'a self,
        queue: &crate::pool::Queue<'a>,
        account: &Arc<Account>,
        region: &Arc<String>,
        call: &'static Call,
    ) {
        let Some(doc) = self.fetch(account, region, call, &[]) else { return };
        self.save(account, region, call.file, &doc);
        let Some(follow) = &call.follow else { return };
        let ids: Vec<String> = doc
            .get(call.result_key)
            .and_then(Doc::as_list)
            .unwrap_or(&[])
            .iter()
            .filter_map(|item| item.get(follow.id_member).and_then(Doc::as_str).map(str::to_string))
            .collect();
        self.progress.calls_planned(ids.len() as u64);
        match follow.gather {
            // One document per item, named after it.
            false => {
                for id in ids {
                    let (account, region) = (account.clone(), region.clone());
                    queue.spawn(move |_| {
                        let params = [(follow.call.param.to_string(), id.clone())];
                        if let Some(doc) = self.fetch(&account, &region, follow.call.call, &params) {
                            let file = format!(
                                "{}/{}.json",
                                follow.call.call.file.trim_end_matches(".json"),
                                calls::file_stem(&id)
                            );
                            self.save(&account, &region, &file, &doc);
                        }
                    });
                }
            }
            // One document for all items, in the items' order.
            true => {
                if ids.is_empty() {
                    let empty = Doc::Object(vec![(follow.call.call.result_key.to_string(), Doc::List(Vec::new()))]);
                    self.save(account, region, follow.call.call.file, &empty);
                    return;
                }
                let gather = Arc::new(Gather {
                    slots: Mutex::new(vec![None; ids.len()]),
                    remaining: AtomicUsize::new(ids.len()),
                    failed: Default::default(),
                });
                for (index, id) in ids.into_iter().enumerate() {
                    let (account, region, gather) = (account.clone(), region.clone(), gather.clone());
                    queue.spawn(move |_| {
                        let sub: &Follow = follow;
                        let params = [(sub.call.param.to_string(), id)];
                        let part = self.fetch(&account, &region, sub.call.call, &params).map(|mut d| {
                            match d.remove(sub.call.call.result_key) {
                                Some(Doc::List(items)) => items,
                                _ => Vec::new(),
                            }
                        });
                        let mut slots = gather.slots.lock().unwrap_or_else(|p| p.into_inner());
                        match part {
                            Some(items) => slots[index] = Some(items),
                            None => gather.failed.store(true, Ordering::SeqCst),
                        }
                        if gather.remaining.fetch_sub(1, Ordering::SeqCst) == 1 && !gather.failed.load(Ordering::SeqCst)
                        {
                            let parts: Option<Vec<Vec<Doc>>> = slots.iter_mut().map(Option::take).collect();
                            if let Some(parts) = parts {
                                let all = Doc::Object(vec![(
                                    sub.call.call.result_key.to_string(),
                                    Doc::List(parts.into_iter().flatten().collect()),
                                )]);
                                self.save(&account, &region, sub.call.call.file, &all);
                            }
                        }
                    });
                }
            }
        }
    }
}

/// Every IAM action the AWS reader calls (with `--regions all`), for the
/// read-only policy in the README: `sts:GetCallerIdentity` needs no
/// permission and `sts:AssumeRole` is granted to the caller, not to the
/// role read with, so neither is listed.
pub fn iam_actions() -> std::collections::BTreeSet<&'static str> {
    let mut out: std::collections::BTreeSet<&'static str> = calls::REGIONAL.iter().map(|c| c.iam_action).collect();
    for c in calls::REGIONAL {
        if let Some(f) = &c.follow {
            out.insert(f.call.call.iam_action);
        }
    }
    out.insert("ec2:DescribeRegions");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arn_accounts() {
        assert_eq!(account_of_arn("arn:aws:iam::123456789012:role/audit"), Some("123456789012"));
        assert_eq!(account_of_arn("arn:aws-cn:iam::123456789012:role/a/b"), Some("123456789012"));
        assert_eq!(account_of_arn("arn:aws:iam::1234:role/audit"), None);
        assert_eq!(account_of_arn("audit"), None);
    }
}
