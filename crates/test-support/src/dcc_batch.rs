//! DCC's Java `Sign` and `Validate` (`tool.jar` of `@smartdcc/duis-sign-wrap`) over many
//! documents in one JVM: `java/BatchSignValidate.java` (ours, compiled with `javac` at test
//! time) calls each tool's entry point once per file, as its command line would. One JVM per
//! document costs about a second each; a batch of hundreds costs a few.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The batch driver, compiled into a work folder.
#[derive(Debug)]
pub struct DccBatchTool {
    classpath: String,
    work: PathBuf,
}

/// What one batch run did with one document: the tool's exit code, what it printed on
/// standard output (the signed document for `Sign`) and its log.
#[derive(Debug, Clone)]
struct BatchOutcome {
    code: i32,
    output: Vec<u8>,
    log: String,
}

impl DccBatchTool {
    /// Compiles the driver into `work` (which then holds each batch's files), against
    /// `.dcc-tooling/duis-sign-wrap/dist/tool.jar`.
    pub fn compile(work: &Path) -> Result<Self, String> {
        let jar = crate::dcc_tooling_root().join("duis-sign-wrap/dist/tool.jar");
        let classes = work.join("classes");
        std::fs::create_dir_all(&classes).map_err(|error| error.to_string())?;
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("java/BatchSignValidate.java");
        let output = Command::new("javac")
            .arg("-cp")
            .arg(&jar)
            .arg("-d")
            .arg(&classes)
            .arg(&source)
            .output()
            .map_err(|error| format!("cannot run javac: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "javac {}: {}",
                source.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let classpath = std::env::join_paths([jar, classes])
            .map_err(|error| error.to_string())?
            .to_string_lossy()
            .into_owned();
        Ok(Self {
            classpath,
            work: work.to_path_buf(),
        })
    }

    /// Each document signed by DCC's `Sign` (the key chosen by its RequestID's originator),
    /// in order: the counters become the current time in milliseconds, strictly rising in the
    /// documents' order, unless `preserve_counter`. `Err(log)` for a document it did not sign.
    pub fn sign(
        &self,
        documents: &[Vec<u8>],
        preserve_counter: bool,
    ) -> Result<Vec<Result<Vec<u8>, String>>, String> {
        let mode = if preserve_counter {
            "sign-preserve-counter"
        } else {
            "sign"
        };
        Ok(self
            .run(mode, documents)?
            .into_iter()
            .map(|outcome| {
                if outcome.code == 0 && !outcome.output.is_empty() {
                    Ok(outcome.output)
                } else {
                    Err(format!("exit {}: {}", outcome.code, outcome.log))
                }
            })
            .collect())
    }

    /// Each document checked by DCC's `Validate`, in order, by the rule of
    /// [`crate::dcc_validate`]: `Ok(log)` only when it passed and its log says the signature
    /// was checked.
    pub fn validate(&self, documents: &[Vec<u8>]) -> Result<Vec<Result<String, String>>, String> {
        Ok(self
            .run("validate", documents)?
            .into_iter()
            .map(|outcome| crate::validate_verdict(Some(outcome.code), outcome.log))
            .collect())
    }

    fn run(&self, mode: &str, documents: &[Vec<u8>]) -> Result<Vec<BatchOutcome>, String> {
        let batch = batch_folder(&self.work)?;
        let mut files = Vec::with_capacity(documents.len());
        for (index, document) in documents.iter().enumerate() {
            let file = batch.join(format!("{index:05}.xml"));
            std::fs::write(&file, document).map_err(|error| error.to_string())?;
            files.push(file);
        }
        let list = batch.join("files.txt");
        let names: Vec<String> = files
            .iter()
            .map(|file| file.to_string_lossy().into_owned())
            .collect();
        std::fs::write(&list, names.join("\n")).map_err(|error| error.to_string())?;
        let output = Command::new("java")
            .arg("-cp")
            .arg(&self.classpath)
            .arg("BatchSignValidate")
            .arg(mode)
            .arg(&list)
            .output()
            .map_err(|error| format!("cannot run java: {error}"))?;
        let printed = String::from_utf8_lossy(&output.stdout);
        let codes: Vec<i32> = printed
            .lines()
            .filter_map(|line| line.strip_prefix("RESULT "))
            .filter_map(|rest| rest.split_once(' '))
            .filter_map(|(code, _)| code.parse().ok())
            .collect();
        if !output.status.success() || codes.len() != files.len() {
            return Err(format!(
                "the batch driver stopped after {} of {} files: {}",
                codes.len(),
                files.len(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        files
            .iter()
            .zip(codes)
            .map(|(file, code)| {
                let read = |extension: &str| {
                    std::fs::read(format!("{}.{extension}", file.display()))
                        .map_err(|error| error.to_string())
                };
                Ok(BatchOutcome {
                    code,
                    output: read("out")?,
                    log: String::from_utf8_lossy(&read("err")?).into_owned(),
                })
            })
            .collect()
    }
}

/// A new numbered folder under `work` for one batch.
fn batch_folder(work: &Path) -> Result<PathBuf, String> {
    for number in 0.. {
        let folder = work.join(format!("batch{number}"));
        match std::fs::create_dir(&folder) {
            Ok(()) => return Ok(folder),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error.to_string()),
        }
    }
    Err("no free batch folder".into())
}
