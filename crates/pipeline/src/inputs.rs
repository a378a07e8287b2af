//! Finding and reading input files: directories are walked honouring
//! .gitignore (symbolic links followed, `portcullis_files::walk`), files are
//! read in parallel, each is detected by content. How a file is opened and
//! read (pipes, size limits, byte-order marks, UTF-8, truncation) is
//! `portcullis_files`'s policy. What was read from the clouds' APIs
//! ([`CloudDocuments`]) is read the same way, document by document, as the
//! files `--save` writes it to would be.

use crate::Progress;
use portcullis_files::{Identity, InputKind, Origin, ReadSet};
use portcullis_ingest::languages::terraform::hcl::{Files, Inputs as TfInputs, MemoryTree};
use portcullis_ingest::providers::host;
use portcullis_ingest::{
    read_input_with, read_terraform_dir, read_terraform_dir_in, ErrorKind, FileOutcome, IngestError, ReadOptions,
    TerraformOutcome,
};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Everything read from the inputs.
pub struct Loaded {
    pub outcomes: Vec<FileOutcome>,
    /// Files read again for snippets. Inputs are not kept in memory after
    /// they are read (a dump can be hundreds of megabytes); the few files
    /// findings point at are read back when text output shows them. Pipes
    /// cannot be read again: their text is kept when they are read.
    snippets: Mutex<BTreeMap<String, Option<Arc<str>>>>,
    /// Every file read, so that no output replaces one.
    pub read: ReadSet,
}

impl portcullis_report::Sources for Loaded {
    fn text(&self, file: &str) -> Option<Arc<str>> {
        let mut cache = self.snippets.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry(file.to_string())
            .or_insert_with(|| {
                let path = Path::new(file);
                let limit = InputKind::of_path(path).limit();
                portcullis_files::read_text(path, file, Origin::Walked, limit).ok().map(|t| Arc::from(t.text))
            })
            .clone()
    }
}

impl Loaded {
    pub fn files_read(&self) -> usize {
        self.outcomes.iter().filter(|o| o.format.is_some()).count()
    }

    /// The documents read from the clouds, read as files of those names
    /// and contents would be: in the order a walk of the saved folder
    /// gives their names (component by component), each detected by
    /// content and kept in memory for the snippets text output shows. The
    /// calls that failed are input errors; the files `--save` wrote are
    /// recorded as read, so that no output replaces one.
    fn add_cloud(&mut self, cloud: &CloudDocuments, opts: &ReadOptions) {
        let errors: Vec<IngestError> = cloud
            .failures
            .iter()
            .map(|f| IngestError {
                file: f.place.clone(),
                line: 0,
                column: 0,
                kind: ErrorKind::Io,
                message: f.message.clone(),
            })
            .collect();
        // The same way as any text held in memory (`add_documents`).
        self.add_documents(cloud.documents.clone(), opts, errors);
        for path in cloud.saved.iter().flat_map(|s| &s.files) {
            self.read.insert(path, &path.to_string_lossy());
        }
    }
}

/// What to read, and how: shared by `scan` and `explain`.
#[derive(Clone, Copy)]
pub struct Reading<'a> {
    /// Files and directories (directories are walked, honouring .gitignore).
    pub paths: &'a [PathBuf],
    /// Terraform variables (`--var-file`, `--var`).
    pub terraform: &'a TfInputs,
    /// Template parameters (`--parameters`).
    pub options: &'a ReadOptions,
    /// The `--parameters` files: named among the paths too, they are not
    /// reported as files that are no input.
    pub parameter_files: &'a [PathBuf],
    /// Files held in memory, read besides `paths` as a walk would read
    /// them (a git revision, for `diff --git`).
    pub documents: &'a [Document],
    /// What was read from the clouds' APIs, when a cloud was read.
    pub cloud: Option<&'a CloudDocuments>,
}

impl Reading<'_> {
    /// Every input: the files under the paths (never inside the directory
    /// the cloud documents were saved to: those files are this run's
    /// output), then the cloud documents.
    pub fn load(&self) -> Loaded {
        self.load_showing(None)
    }

    /// [`Reading::load`], telling `progress` how many inputs there are (each
    /// file other than Terraform's, and each Terraform root module) and
    /// each one read.
    pub fn load_showing(&self, progress: Option<&dyn Progress>) -> Loaded {
        let outputs: Vec<Identity> =
            self.cloud.and_then(|c| c.saved.as_ref()).and_then(|s| Identity::of(&s.dir)).into_iter().collect();
        let mut loaded = load_with(self.paths, self.terraform, self.options, self.parameter_files, &outputs, progress);
        if !self.documents.is_empty() {
            loaded.add_files(self.documents, self.terraform, self.options);
        }
        if let Some(cloud) = self.cloud {
            loaded.add_cloud(cloud, self.options);
        }
        loaded
    }
}

/// What a read of the clouds' own APIs produced (`portcullis-live` reads
/// them; the caller hands the result over): the documents their CLIs would
/// print, and the calls that failed.
#[derive(Debug, Default)]
pub struct CloudDocuments {
    /// `(name, text)`: each document named by where `--save` puts it
    /// (`aws/123456789012/eu-west-1/ec2-describe-security-groups.json`), or,
    /// once [saved](CloudDocuments::save), by the path it was written to.
    pub documents: Vec<(String, Arc<str>)>,
    /// The calls that failed; the rest of the read went on.
    pub failures: Vec<Failure>,
    /// Where the documents were written, when they were.
    pub saved: Option<Saved>,
}

/// A call (or a write of its document) that failed: an input error of the
/// run, at `place` (`aws account 123456789012 eu-west-1`, a saved file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub place: String,
    pub message: String,
}

/// The folder the documents were written to, and the files written.
#[derive(Debug)]
pub struct Saved {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

impl CloudDocuments {
    /// Writes every document under `dir` at its name, each atomically
    /// (`portcullis_files::write_atomic`), and names it by its path there,
    /// so the report on this run and `portcullis scan DIR` later are the
    /// same. A document that cannot be written is a failure and is still
    /// read, under its path there.
    pub fn save(&mut self, dir: &Path) {
        let mut files = Vec::with_capacity(self.documents.len());
        for (name, text) in std::mem::take(&mut self.documents) {
            let path = dir.join(&name);
            let shown = path.to_string_lossy().into_owned();
            let folder = path.parent().map_or(Ok(()), std::fs::create_dir_all);
            let written = folder.map_err(|e| format!("cannot write: {e}")).and_then(|()| {
                portcullis_files::write_atomic(&path, |w| w.write_all(text.as_bytes())).map_err(|e| e.message)
            });
            match written {
                Ok(()) => files.push(path),
                Err(message) => self.failures.push(Failure { place: shown.clone(), message }),
            }
            self.documents.push((shown, text));
        }
        self.saved = Some(Saved { dir: dir.to_path_buf(), files });
    }
}

/// An error when a path to read is `dir` or lies inside it: a run that
/// saves what it reads from the clouds to `dir` does not also read `dir`
/// (walked folders skip it on their own; a path named inside it is
/// refused before anything is read or written).
pub fn check_save_dir(paths: &[PathBuf], dir: &Path) -> Result<(), crate::Error> {
    let Ok(dir_real) = std::fs::canonicalize(dir) else { return Ok(()) };
    for path in paths {
        if std::fs::canonicalize(path).is_ok_and(|p| p.starts_with(&dir_real)) {
            return Err(crate::error::ErrorKind::InputInSaveDir { path: path.clone(), dir: dir.to_path_buf() }.into());
        }
    }
    Ok(())
}

/// A path to read, and whether the user named it (named files that cannot
/// be read are errors; walked files that are not inputs are skipped).
struct Candidate {
    path: PathBuf,
    named: bool,
}

fn display(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// An error of the file layer as an input error.
pub fn file_error(e: &portcullis_files::Error) -> IngestError {
    let kind = match e.kind {
        portcullis_files::ErrorKind::NotUtf8 { .. } => ErrorKind::Syntax,
        _ => ErrorKind::Io,
    };
    IngestError { file: e.path.clone(), line: e.line(), column: e.column(), kind, message: e.message.clone() }
}

/// The files to read under `paths`, each file once (a file reached again
/// through a symbolic link is not read twice; Terraform files are kept,
/// since each places its directory among the roots), never entering the
/// directories `outputs` names.
fn collect(paths: &[PathBuf], outputs: &[Identity], errors: &mut Vec<IngestError>) -> Vec<Candidate> {
    let (found, walk_errors) = portcullis_files::walk_skipping(paths, outputs);
    errors.extend(walk_errors.iter().map(file_error));
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(found.len());
    for f in found {
        if let Some(id) = f.identity {
            if !is_terraform(&f.path) && !seen.insert(id) {
                continue;
            }
        }
        out.push(Candidate { path: f.path, named: f.origin == Origin::Named });
    }
    out
}

/// Walked files are read only when they start like JSON (an object, or an
/// array as az and gcloud print) or like a host firewall file: cheap tests
/// that keep a repository's images and archives out of memory.
fn starts_like_json(head: &[u8]) -> bool {
    let head = portcullis_files::read::strip_bom(head);
    head.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|&b| b == b'{' || b == b'[')
}

/// Walked YAML files are read too (CloudFormation templates and Kubernetes
/// manifests are YAML; kops writes its static pod manifests as `.manifest`);
/// the readers look for their markers and leave other YAML alone.
fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yaml", "yml", "template", "manifest"].iter().any(|y| e.eq_ignore_ascii_case(y)))
}

/// Bicep source is recognised by its extension.
fn is_bicep(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("bicep"))
}

/// The error for a Terraform variables file named on its own.
const TFVARS_ALONE: &str = "a Terraform variables file, named on its own: scan its directory (its values apply to the module there) or give it with --var-file";

/// The error for a template parameters file named as an input.
const NOT_APPLIED: &str = "a template parameters file, named as an input: give it with --parameters to apply it";

/// The error for a named file whose content is no input portcullis reads.
const NOT_AN_INPUT: &str = "not an input portcullis reads: its content is none of the CLI dumps, plans, templates, manifests and configurations it recognises (README, \"What it reads\")";

fn read_one(
    c: &Candidate,
    opts: &ReadOptions,
    snippets: &Mutex<BTreeMap<String, Option<Arc<str>>>>,
    parameter_files: &HashSet<Identity>,
) -> FileOutcome {
    let name = display(&c.path);
    let failed = |e: portcullis_files::Error| FileOutcome {
        path: name.clone(),
        errors: vec![file_error(&e)],
        ..Default::default()
    };
    let origin = if c.named { Origin::Named } else { Origin::Walked };
    let mut input = match portcullis_files::open(&c.path, &name, origin) {
        Ok(i) => i,
        Err(e) => return failed(e),
    };
    if !c.named && !is_yaml(&c.path) && !is_bicep(&c.path) {
        match input.head(512) {
            Ok(head) if starts_like_json(head) => {}
            Ok(_) => match input.head(host::HEAD_BYTES) {
                // A node's saved firewall (iptables-save, nft, firewalld's
                // zone XML, ufw's files) is recognised by its first lines.
                Ok(head) if host::recognises(head) => {}
                Ok(_) => return FileOutcome { path: name, ..Default::default() },
                Err(e) => return failed(e),
            },
            Err(e) => return failed(e),
        }
    }
    let contents = match input.contents(InputKind::of_path(&c.path).limit()) {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    // Text that is not UTF-8 is read with each bad byte replaced, so the
    // rest of the file still counts; the first bad byte is an error.
    let (text, not_utf8) = match contents.text() {
        Ok(t) => (Cow::Borrowed(t), None),
        Err(e) => (contents.lossy_text(), Some(e)),
    };
    let mut outcome = read_input_with(&name, &text, opts);
    if let Err(e) = contents.unchanged() {
        return failed(e);
    }
    if let Some(e) = not_utf8 {
        // A walked file that is no input of ours stays silent, as any other.
        if c.named || outcome.format.is_some() {
            outcome.errors.insert(0, file_error(&e));
        }
    }
    // Named, it was meant as an input: one that is none of ours must not
    // pass as "0 findings". A template parameters file given with
    // --parameters too was read as such; without it, say how to apply it.
    let given_as_parameters = || Identity::of(&c.path).is_some_and(|id| parameter_files.contains(&id));
    if c.named && outcome.format.is_none() && outcome.errors.is_empty() && !given_as_parameters() {
        let message = if name.ends_with(".tfvars") || name.ends_with(".tfvars.json") {
            TFVARS_ALONE
        } else if portcullis_ingest::languages::parameters::Parameters::default().read_file(&name, &text).is_ok() {
            NOT_APPLIED
        } else {
            NOT_AN_INPUT
        };
        outcome.errors.push(IngestError {
            file: name.clone(),
            line: 0,
            column: 0,
            kind: ErrorKind::Invalid,
            message: message.into(),
        });
    }
    if contents.is_stream() {
        let mut cache = snippets.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(name, Some(Arc::from(text.as_ref())));
    }
    outcome
}

fn is_terraform(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// A Terraform root directory to evaluate.
struct TfRoot {
    dir: PathBuf,
    display: String,
    /// Files the user named in it (`None`: the directory was walked).
    only: Option<Vec<String>>,
}

fn terraform_roots(candidates: &[Candidate], errors: &mut Vec<IngestError>) -> Vec<TfRoot> {
    let mut roots: BTreeMap<PathBuf, TfRoot> = BTreeMap::new();
    for c in candidates.iter().filter(|c| is_terraform(&c.path)) {
        // Terraform is read by directory, as regular files: a pipe named
        // like a Terraform file cannot be.
        if std::fs::metadata(&c.path).is_ok_and(|m| !m.is_file()) {
            errors.push(IngestError {
                file: display(&c.path),
                line: 0,
                column: 0,
                kind: ErrorKind::Io,
                message:
                    "not a regular file: a Terraform file is read with its directory, so it must be a regular file"
                        .into(),
            });
            continue;
        }
        let dir = c.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let display = display(&dir);
        let root = roots.entry(dir.clone()).or_insert_with(|| TfRoot {
            dir: if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir.clone() },
            display,
            only: if c.named { Some(Vec::new()) } else { None },
        });
        match (&mut root.only, c.named) {
            (Some(files), true) => files.push(span_path(&root.display, &c.path)),
            // Walked anywhere: the whole directory counts.
            (only, false) => *only = None,
            (None, true) => {}
        }
    }
    roots.into_values().collect()
}

/// A file's path as the evaluator writes it in spans: the directory as
/// displayed joined with the file name (the name alone in `.` or ``).
fn span_path(dir_display: &str, file: &Path) -> String {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if dir_display.is_empty() || dir_display == "." {
        name
    } else if dir_display.ends_with('/') {
        format!("{dir_display}{name}")
    } else {
        format!("{dir_display}/{name}")
    }
}

/// Reads the inputs under `paths`, never entering the directories
/// `outputs` names (this run writes there); `parameter_files` were given
/// with `--parameters` (named as inputs too, they are not an error).
fn load_with(
    paths: &[PathBuf],
    tf: &TfInputs,
    opts: &ReadOptions,
    parameter_files: &[PathBuf],
    outputs: &[Identity],
    progress: Option<&dyn Progress>,
) -> Loaded {
    let parameter_files: HashSet<Identity> = parameter_files.iter().filter_map(|p| Identity::of(p)).collect();
    let parameter_files = &parameter_files;
    let mut errors = Vec::new();
    let mut read = ReadSet::default();
    let candidates = collect(paths, outputs, &mut errors);
    let mut roots = terraform_roots(&candidates, &mut errors);
    // A directory reached twice through symbolic links is one root.
    let mut evaluated = HashSet::new();
    roots.retain(|r| {
        r.only.is_some() || evaluated.insert(std::fs::canonicalize(&r.dir).unwrap_or_else(|_| r.dir.clone()))
    });
    for r in &roots {
        add_terraform_files(&r.dir, &r.display, &mut read);
    }
    let snippets = Mutex::new(BTreeMap::new());
    let json: Vec<&Candidate> = candidates.iter().filter(|c| !is_terraform(&c.path)).collect();
    if let Some(p) = progress {
        p.start((json.len() + roots.len()) as u64);
    }
    let one_more = || {
        if let Some(p) = progress {
            p.advance(1);
        }
    };
    let (mut outcomes, tf_results) = rayon::join(
        || {
            json.par_iter()
                .map(|c| {
                    let outcome = read_one(c, opts, &snippets, parameter_files);
                    one_more();
                    outcome
                })
                .collect::<Vec<FileOutcome>>()
        },
        || {
            roots
                .par_iter()
                .map(|r| {
                    let result = (r, read_terraform_dir(&r.dir, &r.display, tf, r.only.as_deref()));
                    one_more();
                    result
                })
                .collect::<Vec<_>>()
        },
    );
    if let Some(p) = progress {
        p.finish();
    }
    // The inputs an output must not replace: every file named, and every
    // walked file that was one (a report a former run wrote into the tree
    // is not, and may be written again).
    for (c, o) in json.iter().zip(&outcomes) {
        if c.named || o.format.is_some() {
            read.insert(&c.path, &o.path);
        }
    }
    // A directory another root calls as a local module is read as part of
    // that root, with its inputs; evaluated on its own it would only add
    // unknowns for the variables its caller sets.
    let called: BTreeSet<PathBuf> = tf_results.iter().flat_map(|(_, t)| t.module_dirs_called.iter().cloned()).collect();
    for dir in &called {
        add_terraform_files(dir, &display(dir), &mut read);
    }
    for (root, t) in tf_results {
        let walked = root.only.is_none();
        let is_module = std::fs::canonicalize(&root.dir).is_ok_and(|d| called.contains(&d));
        if walked && is_module {
            continue;
        }
        outcomes.push(t.outcome);
    }
    if !errors.is_empty() {
        outcomes.push(FileOutcome { errors, ..Default::default() });
    }
    Loaded { outcomes, snippets, read }
}

/// Records the Terraform files of a directory evaluated as a whole (a
/// root or a module) as read.
fn add_terraform_files(dir: &Path, shown: &str, read: &mut ReadSet) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if is_terraform(Path::new(&name)) || name.ends_with(".tfvars") || name.ends_with(".tfvars.json") {
            read.insert(&e.path(), &span_path(shown, Path::new(&name)));
        }
    }
}

/// A file held in memory: its name as reports show it (relative,
/// `/`-separated: `infra/main.tf`) and its bytes. `diff --git` reads a
/// revision's files this way, without checking anything out.
#[derive(Clone, Debug)]
pub struct Document {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl Loaded {
    /// Documents as text `(name, text)`, read as files of that name and
    /// content would be: in the order a directory walk gives their names
    /// (component by component), each detected by content, and kept in
    /// memory for the snippets text output shows. `errors` are problems
    /// met getting them (a call refused, bytes that are not UTF-8). The
    /// one way text that is not on disk becomes input: in-memory
    /// revisions use it, and so do documents read live from a cloud.
    pub fn add_documents(
        &mut self,
        mut documents: Vec<(String, Arc<str>)>,
        opts: &ReadOptions,
        errors: Vec<IngestError>,
    ) {
        documents.sort_by(|a, b| a.0.split('/').cmp(b.0.split('/')));
        let outcomes: Vec<FileOutcome> =
            documents.par_iter().map(|(name, text)| read_input_with(name, text, opts)).collect();
        let cache = self.snippets.get_mut().unwrap_or_else(|p| p.into_inner());
        for (name, text) in documents {
            cache.insert(name, Some(text));
        }
        self.outcomes.extend(outcomes);
        if !errors.is_empty() {
            self.outcomes.push(FileOutcome { errors, ..Default::default() });
        }
    }

    /// Files held in memory, read as a walk of a directory holding them
    /// would read them: Terraform by directory (each directory with
    /// configuration files is a root unless another root calls it as a
    /// module), YAML and Bicep by extension, anything else when it starts
    /// like JSON; the same size limits as files on disk.
    pub fn add_files(&mut self, documents: &[Document], tf: &TfInputs, opts: &ReadOptions) {
        let mut errors = Vec::new();
        let mut tree = MemoryTree::default();
        let mut texts = Vec::new();
        let mut roots: BTreeSet<String> = BTreeSet::new();
        for d in documents {
            let path = Path::new(&d.path);
            let limit = InputKind::of_path(path).limit();
            if d.bytes.len() as u64 > limit {
                errors.push(IngestError {
                    file: d.path.clone(),
                    line: 0,
                    column: 0,
                    kind: ErrorKind::Io,
                    message: format!("larger than {}: not read", portcullis_files::limits::describe(limit)),
                });
                continue;
            }
            let terraform = is_terraform(path);
            let variables = d.path.ends_with(".tfvars") || d.path.ends_with(".tfvars.json");
            if !terraform && !variables && !is_yaml(path) && !is_bicep(path) && !starts_like_json(&d.bytes) {
                continue;
            }
            let bytes = portcullis_files::read::strip_bom(&d.bytes);
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t.to_string(),
                Err(e) => {
                    errors.push(file_error(&portcullis_files::read::not_utf8(&d.path, bytes, e.valid_up_to())));
                    String::from_utf8_lossy(bytes).into_owned()
                }
            };
            if terraform || variables {
                if terraform {
                    roots.insert(path.parent().map(display).unwrap_or_default());
                }
                self.snippets
                    .get_mut()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(d.path.clone(), Some(Arc::from(text.as_str())));
                tree.insert(&d.path, text);
            } else {
                texts.push((d.path.clone(), Arc::from(text)));
            }
        }
        self.add_documents(texts, opts, errors);
        let files = Files::Memory(&tree);
        let results: Vec<(String, TerraformOutcome)> = roots
            .into_par_iter()
            .map(|dir| {
                let outcome = read_terraform_dir_in(files, Path::new(&dir), &dir, tf, None);
                (dir, outcome)
            })
            .collect();
        let called: BTreeSet<PathBuf> =
            results.iter().flat_map(|(_, t)| t.module_dirs_called.iter().cloned()).collect();
        for (dir, t) in results {
            if !called.contains(Path::new(&dir)) {
                self.outcomes.push(t.outcome);
            }
        }
    }
}
