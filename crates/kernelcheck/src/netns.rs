//! Network namespaces the check creates, and nothing else.
//!
//! Every namespace is named `pcx-<pid>-<n>-<role>` and held by a
//! [`Netns`] guard that deletes it when dropped, so a failed assertion or a
//! panic unwinding through the test still removes it. Namespaces left by a
//! process that was killed outright (no unwinding) are swept by the next
//! run: their pid is no longer alive.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const PREFIX: &str = "pcx-";

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Why the check cannot run here.
#[derive(Debug)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs a command and returns its standard output, or what went wrong.
pub fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?}: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a command with `input` on its standard input.
pub fn run_with_input(cmd: &mut Command, input: &str) -> Result<String, String> {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).map_err(|e| format!("{cmd:?}: {e}"))?;
    }
    let out = child.wait_with_output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether this process can create namespaces and load rules: root, `ip`
/// and the netfilter tools present.
pub fn available() -> Result<(), Unavailable> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(Unavailable("not root: network namespaces need CAP_SYS_ADMIN".into()));
    }
    for tool in ["ip", "nft", "iptables-restore", "ip6tables-restore", "ipset"] {
        if Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
            // `ip` answers `-V`, the others `--version`; a missing binary
            // fails to spawn either way.
            if Command::new(tool).arg("-V").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
                return Err(Unavailable(format!("`{tool}` is not installed (.ci/run installs it)")));
            }
        }
    }
    let probe = Netns::create("probe").map_err(|e| Unavailable(format!("cannot create a network namespace: {e}")))?;
    drop(probe);
    Ok(())
}

/// A network namespace that exists while this value does.
pub struct Netns {
    pub name: String,
}

impl Netns {
    /// Creates `pcx-<pid>-<n>-<role>`.
    pub fn create(role: &str) -> Result<Netns, String> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("{PREFIX}{}-{n}-{role}", std::process::id());
        run(Command::new("ip").args(["netns", "add", &name]))?;
        Ok(Netns { name })
    }

    /// `ip netns exec NAME …` as a command to fill in.
    pub fn exec(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// Runs `f` on a thread inside this namespace. Sockets it opens stay in
    /// the namespace whatever thread uses them later.
    pub fn enter<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, String> {
        let path = format!("/run/netns/{}", self.name);
        let file = File::open(&path).map_err(|e| format!("{path}: {e}"))?;
        std::thread::scope(|s| {
            s.spawn(|| {
                // SAFETY: a valid namespace fd; setns only changes this
                // thread's network namespace.
                let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
                if rc != 0 {
                    return Err(format!("setns {path}: {}", std::io::Error::last_os_error()));
                }
                Ok(f())
            })
            .join()
            .map_err(|_| "a thread inside the namespace panicked".to_string())?
        })
    }

    /// Writes a sysctl of this namespace.
    pub fn sysctl(&self, key: &str, value: &str) -> Result<(), String> {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        self.enter(|| std::fs::write(&path, value).map_err(|e| format!("{path}: {e}")))?
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Runs on unwinding too; nothing to do if it is already gone.
        let _ = Command::new("ip").args(["netns", "del", &self.name]).stderr(Stdio::null()).status();
    }
}

/// Deletes namespaces left by runs that were killed without unwinding.
pub fn sweep_stale() {
    let Ok(dir) = std::fs::read_dir("/run/netns") else { return };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(PREFIX) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else { continue };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        if !alive {
            let _ = Command::new("ip").args(["netns", "del", &name]).stderr(Stdio::null()).status();
        }
    }
}

/// Namespaces of this process that still exist (should be none after a
/// run: the test asserts it).
pub fn leftovers() -> Vec<String> {
    let mine = format!("{PREFIX}{}-", std::process::id());
    std::fs::read_dir("/run/netns")
        .map(|d| {
            d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with(&mine)).collect()
        })
        .unwrap_or_default()
}

/// Keeps `raw` from being closed twice: a socket owned by one value.
pub struct Fd(pub libc::c_int);

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: the fd is ours and closed once.
        unsafe {
            libc::close(self.0);
        }
    }
}

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> libc::c_int {
        self.0
    }
}
