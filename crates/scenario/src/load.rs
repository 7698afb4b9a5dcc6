//! Finding and reading scenarios: a path is a scenario file or a suite folder. A folder's files
//! run in name order, then its subfolders; `_setup.yaml` and `_teardown.yaml` in a folder give
//! every scenario under it default values and first and last steps. Each example row of a
//! scenario is one test case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::format::{self, FormatError, ScenarioFile, Step, SuiteSetup, SuiteTeardown};

/// One test case: a scenario with one example row.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub scenario: Arc<ScenarioFile>,
    /// The scenario file.
    pub file: PathBuf,
    /// The pack: the top folder named on the command line (or the file's folder).
    pub pack: String,
    /// `<scenario id>` or `<scenario id>[key=value,…]` for an example row.
    pub name: String,
    /// Suite values, then the scenario's, then the row's.
    pub vars: BTreeMap<String, String>,
    pub tags: Vec<String>,
    /// Suite setup steps, then the scenario's.
    pub steps: Vec<Step>,
    /// The scenario's teardown, then the suites' (innermost first).
    pub teardown: Vec<Step>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Setup and teardown inherited from the folders above.
#[derive(Debug, Clone, Default)]
struct Inherited {
    vars: BTreeMap<String, String>,
    tags: Vec<String>,
    setup: Vec<Step>,
    teardown: Vec<Step>,
}

/// Every test case under `paths`, in order.
pub fn load(paths: &[PathBuf]) -> Result<Vec<TestCase>, LoadError> {
    let mut cases = Vec::new();
    for path in paths {
        let pack = pack_name(path);
        if path.is_dir() {
            load_folder(path, &pack, &Inherited::default(), &mut cases)?;
        } else {
            let inherited = folder_defaults(
                path.parent().unwrap_or(Path::new(".")),
                &Inherited::default(),
            )?;
            load_file(path, &pack, &inherited, &mut cases)?;
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for case in &cases {
        if !seen.insert((&case.pack, &case.name)) {
            return Err(LoadError::Invalid {
                path: case.file.clone(),
                message: format!(
                    "test case {} appears twice in pack {}",
                    case.name, case.pack
                ),
            });
        }
    }
    Ok(cases)
}

fn pack_name(path: &Path) -> String {
    let folder = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(Path::new("."))
    };
    folder
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenarios".to_owned())
}

fn read(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The folder's `_setup.yaml` and `_teardown.yaml` added to what it inherits.
fn folder_defaults(folder: &Path, inherited: &Inherited) -> Result<Inherited, LoadError> {
    let mut defaults = inherited.clone();
    let setup_path = folder.join("_setup.yaml");
    if setup_path.is_file() {
        let setup: SuiteSetup =
            format::parse(&setup_path.display().to_string(), &read(&setup_path)?)?;
        defaults.vars.extend(setup.vars);
        defaults.tags.extend(setup.tags);
        defaults.setup.extend(setup.steps);
    }
    let teardown_path = folder.join("_teardown.yaml");
    if teardown_path.is_file() {
        let teardown: SuiteTeardown =
            format::parse(&teardown_path.display().to_string(), &read(&teardown_path)?)?;
        let mut steps = teardown.steps;
        steps.extend(defaults.teardown);
        defaults.teardown = steps;
    }
    Ok(defaults)
}

fn load_folder(
    folder: &Path,
    pack: &str,
    inherited: &Inherited,
    cases: &mut Vec<TestCase>,
) -> Result<(), LoadError> {
    let defaults = folder_defaults(folder, inherited)?;
    let mut files = Vec::new();
    let mut folders = Vec::new();
    let entries = std::fs::read_dir(folder).map_err(|source| LoadError::Read {
        path: folder.to_owned(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| LoadError::Read {
                path: folder.to_owned(),
                source,
            })?
            .path();
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            folders.push(path);
        } else if is_scenario_file(&name) {
            files.push(path);
        }
    }
    files.sort();
    folders.sort();
    for file in files {
        load_file(&file, pack, &defaults, cases)?;
    }
    for subfolder in folders {
        load_folder(&subfolder, pack, &defaults, cases)?;
    }
    Ok(())
}

/// `*.yaml` / `*.yml` files not starting with `_`.
pub fn is_scenario_file(name: &str) -> bool {
    (name.ends_with(".yaml") || name.ends_with(".yml")) && !name.starts_with('_')
}

fn load_file(
    path: &Path,
    pack: &str,
    inherited: &Inherited,
    cases: &mut Vec<TestCase>,
) -> Result<(), LoadError> {
    let scenario: ScenarioFile = format::parse(&path.display().to_string(), &read(path)?)?;
    let scenario = Arc::new(scenario);
    let mut vars = inherited.vars.clone();
    vars.extend(scenario.vars.clone());
    let mut tags = inherited.tags.clone();
    tags.extend(scenario.tags.iter().cloned());
    let mut steps = inherited.setup.clone();
    steps.extend(scenario.steps.iter().cloned());
    let mut teardown = scenario.teardown.clone();
    teardown.extend(inherited.teardown.iter().cloned());
    let rows: Vec<Option<&BTreeMap<String, String>>> = match scenario.examples.is_empty() {
        true => vec![None],
        false => scenario.examples.iter().map(Some).collect(),
    };
    for row in rows {
        let mut case_vars = vars.clone();
        let name = match row {
            None => scenario.id.clone(),
            Some(row) => {
                case_vars.extend(row.clone());
                let label: Vec<String> = row
                    .iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect();
                format!("{}[{}]", scenario.id, label.join(","))
            }
        };
        cases.push(TestCase {
            scenario: scenario.clone(),
            file: path.to_owned(),
            pack: pack.to_owned(),
            name,
            vars: case_vars,
            tags: tags.clone(),
            steps: steps.clone(),
            teardown: teardown.clone(),
        });
    }
    Ok(())
}

/// A `--tags` expression: `a,b` or `a or b` (any), `a and b`, `not a`; `and` binds closer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagExpression {
    /// Any of these groups, each of which needs all its terms.
    any: Vec<Vec<(bool, String)>>,
}

impl TagExpression {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut any = Vec::new();
        for group in text.split(',').flat_map(|part| part.split(" or ")) {
            let mut all = Vec::new();
            for term in group.split(" and ") {
                let term = term.trim();
                let (wanted, tag) =
                    match term.strip_prefix("not ").or_else(|| term.strip_prefix('!')) {
                        Some(tag) => (false, tag.trim()),
                        None => (true, term),
                    };
                if tag.is_empty() || tag.contains(char::is_whitespace) {
                    return Err(format!("--tags {text:?}: cannot read {term:?}"));
                }
                all.push((wanted, tag.to_owned()));
            }
            any.push(all);
        }
        Ok(Self { any })
    }

    pub fn matches(&self, tags: &[String]) -> bool {
        self.any.iter().any(|all| {
            all.iter()
                .all(|(wanted, tag)| tags.iter().any(|have| have == tag) == *wanted)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_expressions() {
        let tags = vec!["sit1".to_owned(), "reads".to_owned()];
        let matches = |text: &str| TagExpression::parse(text).unwrap().matches(&tags);
        assert!(matches("sit1"));
        assert!(matches("sit2, reads"));
        assert!(matches("sit1 and reads"));
        assert!(!matches("sit1 and not reads"));
        assert!(matches("!slow"));
        assert!(!matches("sit2 or slow"));
        assert!(TagExpression::parse("a and").is_err());
    }

    #[test]
    fn folders_give_setup_and_teardown_and_rows_become_cases() {
        let dir = tempfile::tempdir().unwrap();
        let suite = dir.path().join("pack");
        std::fs::create_dir_all(suite.join("inner")).unwrap();
        std::fs::write(
            suite.join("_setup.yaml"),
            "vars: { who: supplier }\nsteps:\n  - clock: { advance: 1m }\n",
        )
        .unwrap();
        std::fs::write(
            suite.join("_teardown.yaml"),
            "steps:\n  - fault: { clear: x }\n",
        )
        .unwrap();
        std::fs::write(
            suite.join("b.yaml"),
            "id: b\ntitle: B\nexamples:\n  - { device: esme }\n  - { device: gsme }\nsteps:\n  - clock: { advance: 1h }\n",
        )
        .unwrap();
        std::fs::write(suite.join("a.yaml"), "id: a\ntitle: A\nsteps: []\n").unwrap();
        std::fs::write(suite.join("inner/c.yml"), "id: c\ntitle: C\nsteps: []\n").unwrap();
        std::fs::write(suite.join("notes.txt"), "not a scenario").unwrap();
        let cases = load(&[suite]).unwrap();
        let names: Vec<_> = cases.iter().map(|case| case.name.as_str()).collect();
        assert_eq!(names, ["a", "b[device=esme]", "b[device=gsme]", "c"]);
        assert!(cases.iter().all(|case| case.pack == "pack"));
        assert_eq!(cases[1].vars["device"], "esme");
        assert_eq!(cases[1].vars["who"], "supplier");
        assert_eq!(cases[1].steps.len(), 2, "setup step, then the scenario's");
        assert_eq!(cases[3].teardown.len(), 1);
    }
}
