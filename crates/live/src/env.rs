//! The environment the credential chains read: variables and the home
//! directory, captured once so that a read sees one consistent view and
//! tests can give their own without touching the process's.

use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct Env {
    pub vars: BTreeMap<String, String>,
    pub home: Option<PathBuf>,
}

impl Env {
    pub fn from_process() -> Env {
        let vars: BTreeMap<String, String> =
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
        let home = vars.get("HOME").or_else(|| vars.get("USERPROFILE")).map(PathBuf::from);
        Env { vars, home }
    }

    /// A variable's value; set but empty counts as unset, as the SDKs treat it.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// A boolean variable (`true`/`false`, any case).
    pub fn flag(&self, name: &str) -> bool {
        self.var(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `~/…` under the home directory.
    pub fn home_path(&self, rel: &str) -> Option<PathBuf> {
        self.home.as_ref().map(|h| h.join(rel))
    }

    /// A path from a variable, `~` expanded, else the default under home.
    pub fn path_or(&self, var: &str, default_rel: &str) -> Option<PathBuf> {
        match self.var(var) {
            Some(p) => Some(self.expand(p)),
            None => self.home_path(default_rel),
        }
    }

    pub fn expand(&self, p: &str) -> PathBuf {
        match (p.strip_prefix("~/"), &self.home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(p),
        }
    }
}
