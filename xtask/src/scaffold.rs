//! `cargo xtask new`'s generator: the signatures `lessongrader.signatures` read from a typed Python
//! module (JSON) → the files of a new exercise (skeleton crate, tests, exercise.toml) and, for
//! course authors, its solution crate. Pure functions from the model to file texts; the command
//! writes them.
//!
//! Type hints map to Rust by this table (README.md "Course author guide" shows it too):
//!
//! ```text
//! int → i64 (a Python int outside i64 raises OverflowError; tests draw within ±2**31)
//! float → f64      bool → bool      None → ()
//! str → &str (argument) / String      bytes → &[u8] (argument) / Vec<u8> (a bytes object)
//! list[X] → Vec<X>      dict[K, V] → HashMap<K, V>      tuple[A, B] → (A, B)
//! X | None, Optional[X] → Option<X>
//! anything else → &Bound<PyAny> (argument) / Py<PyAny>, with a TODO saying so
//! ```
use serde_json::Value;

/// Where a type appears: an argument may borrow (`&str`), anything else owns (`String`).
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Argument,
    Owned,
}

/// A type hint's tree (`{"kind": "list", "args": [...]}`) as a Rust type.
fn rust_type(hint: &Value, place: Place) -> String {
    let args: Vec<&Value> = hint["args"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    match hint["kind"].as_str().unwrap_or("any") {
        "int" => "i64".into(),
        "float" => "f64".into(),
        "bool" => "bool".into(),
        "none" => "()".into(),
        "str" if place == Place::Argument => "&str".into(),
        "str" => "String".into(),
        "bytes" if place == Place::Argument => "&[u8]".into(),
        "bytes" => "Vec<u8>".into(),
        "list" => format!("Vec<{}>", rust_type(args[0], Place::Owned)),
        "dict" => format!(
            "HashMap<{}, {}>",
            rust_type(args[0], Place::Owned),
            rust_type(args[1], Place::Owned)
        ),
        "tuple" => {
            let items: Vec<String> = args.iter().map(|a| rust_type(a, Place::Owned)).collect();
            if items.len() == 1 {
                format!("({},)", items[0])
            } else {
                format!("({})", items.join(", "))
            }
        }
        "optional" => format!("Option<{}>", rust_type(args[0], Place::Owned)),
        _ if place == Place::Argument => "&Bound<'_, PyAny>".into(),
        _ => "Py<PyAny>".into(),
    }
}

fn uses(hint: &Value, kind: &str) -> bool {
    hint["kind"] == kind
        || hint["args"]
            .as_array()
            .is_some_and(|args| args.iter().any(|a| uses(a, kind)))
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async",
    "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "typeof", "unsized", "virtual", "yield", "try", "gen",
];

fn ident(name: &str) -> String {
    if RUST_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// A literal default (from Python's `repr`) as a Rust expression for `#[pyo3(signature)]`.
fn rust_literal(default: &Value) -> String {
    match &default["value"] {
        Value::Null => "None".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Number(_) => {
            let python = default["python"].as_str().unwrap_or("0");
            python.to_string()
        }
        other => other.to_string(),
    }
}

fn doc_comment(doc: &str, fallback: &str, indent: &str) -> String {
    let doc = if doc.trim().is_empty() { fallback } else { doc };
    doc.lines()
        .map(|line| {
            if line.is_empty() {
                format!("{indent}///\n")
            } else {
                format!("{indent}/// {line}\n")
            }
        })
        .collect()
}

fn names(list: &Value) -> Vec<&Value> {
    list.as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// One `fn` of the skeleton: its doc, attributes, signature and a `todo!()` body. `receiver` is
/// `Some("&mut self")` for methods.
fn function(function: &Value, receiver: Option<&str>, attribute: &str, indent: &str) -> String {
    let name = function["name"].as_str().unwrap_or("f");
    let params = names(&function["params"]);
    let mut out = doc_comment(
        function["doc"].as_str().unwrap_or(""),
        &format!("The original's `{name}` (it has no docstring)."),
        indent,
    );
    out.push_str(&format!("{indent}{attribute}\n"));
    if params.iter().any(|p| !p["default"].is_null()) {
        let signature: Vec<String> = params
            .iter()
            .map(|p| {
                let id = ident(p["name"].as_str().unwrap_or("x"));
                if p["default"].is_null() {
                    id
                } else {
                    format!("{id} = {}", rust_literal(&p["default"]))
                }
            })
            .collect();
        out.push_str(&format!(
            "{indent}#[pyo3(signature = ({}))]\n",
            signature.join(", ")
        ));
    }
    let mut args: Vec<String> = receiver.iter().map(|r| r.to_string()).collect();
    let mut todos = Vec::new();
    for p in &params {
        let pname = p["name"].as_str().unwrap_or("x");
        args.push(format!(
            "{}: {}",
            ident(pname),
            rust_type(&p["type"], Place::Argument)
        ));
        if p["type"]["kind"] == "any" {
            todos.push(format!(
                "`{pname}` is `&Bound<PyAny>`: its hint `{}` has no entry in the builder's table; extract what you need from it",
                p["type"]["text"].as_str().filter(|t| !t.is_empty()).unwrap_or("(none)")
            ));
        }
    }
    if function["star_args"] == true {
        todos.push("the original takes `*args`/`**kwargs`, which are not generated".into());
    }
    let returns = &function["returns"];
    let fn_name = if attribute == "#[new]" {
        "new".to_string()
    } else {
        ident(name)
    };
    let return_type = if attribute == "#[new]" {
        "Self".to_string()
    } else {
        rust_type(returns, Place::Owned)
    };
    if returns["kind"] == "any" && attribute != "#[new]" {
        todos.push(
            "the return type has no entry in the builder's table: build a `Py<PyAny>`".into(),
        );
    }
    out.push_str(&format!(
        "{indent}fn {fn_name}({}) -> PyResult<{return_type}> {{\n",
        args.join(", ")
    ));
    for todo in &todos {
        out.push_str(&format!("{indent}    // TODO: {todo}\n"));
    }
    let line = function["line"].as_u64().unwrap_or(0);
    out.push_str(&format!(
        "{indent}    // TODO: do what `{name}` does in tests/baseline.py (line {line}), errors included.\n"
    ));
    let used: Vec<String> = params
        .iter()
        .map(|p| ident(p["name"].as_str().unwrap_or("x")))
        .collect();
    match used.len() {
        0 => {}
        1 => out.push_str(&format!("{indent}    let _ = {};\n", used[0])),
        _ => out.push_str(&format!("{indent}    let _ = ({});\n", used.join(", "))),
    }
    out.push_str(&format!("{indent}    todo!()\n{indent}}}\n"));
    out
}

/// Everything `new` needs to know besides the module's signatures.
pub struct Spec<'a> {
    pub id: u32,
    pub slug: &'a str,
    pub module: &'a str,
    /// The Python file it was generated from, as the author named it.
    pub from: &'a str,
}

impl Spec<'_> {
    pub fn folder(&self) -> String {
        format!("{:02}-{}", self.id, self.slug)
    }
    fn crate_name(&self, kind: &str) -> String {
        format!("{kind}-{:02}-{}", self.id, self.slug)
    }
}

/// The skeleton's (or, with `solution`, the reference crate's starting) `src/lib.rs`.
pub fn lib_rs(spec: &Spec, model: &Value, solution: bool) -> String {
    let mut body = String::new();
    for f in names(&model["functions"]) {
        body.push('\n');
        body.push_str(&function(f, None, "#[pyfunction]", "    "));
    }
    for class in names(&model["classes"]) {
        let name = class["name"].as_str().unwrap_or("C");
        body.push('\n');
        body.push_str(&doc_comment(
            class["doc"].as_str().unwrap_or(""),
            &format!("The original's class `{name}`."),
            "    ",
        ));
        body.push_str(&format!(
            "    #[pyclass]\n    struct {name} {{\n        // TODO: the state `{name}` keeps in `self` (see tests/baseline.py)\n    }}\n\n    #[pymethods]\n    impl {name} {{\n"
        ));
        body.push_str(&function(&class["init"], None, "#[new]", "        "));
        for method in names(&class["methods"]) {
            body.push('\n');
            body.push_str(&function(method, Some("&mut self"), "", "        "));
        }
        body.push_str("    }\n");
    }
    let body = body.replace("        \n", "");
    let hash_map = names(&model["functions"])
        .into_iter()
        .chain(
            names(&model["classes"])
                .into_iter()
                .flat_map(|c| std::iter::once(&c["init"]).chain(names(&c["methods"]))),
        )
        .any(|f| {
            uses(&f["returns"], "dict")
                || names(&f["params"]).iter().any(|p| uses(&p["type"], "dict"))
        });
    let what = if solution {
        format!("Reference solution of exercise {} ({})", spec.id, spec.slug)
    } else {
        format!("Exercise {} — {}", spec.id, spec.slug)
    };
    format!(
        "//! {what}: the Python module `{module}` in Rust.\n\
         //! Generated by `cargo xtask new` from {from} (kept as tests/baseline.py, the oracle the\n\
         //! differential tests compare with). Check it with `cargo xtask check {id}`.\n\
         use pyo3::prelude::*;\n\n\
         #[pymodule]\n\
         mod {module} {{\n\
         \x20   #[allow(unused_imports)] // raise errors as the original does\n\
         \x20   use pyo3::exceptions::{{PyOverflowError, PyTypeError, PyValueError}};\n\
         \x20   use pyo3::prelude::*;\n{hash_map}{body}}}\n",
        module = spec.module,
        from = spec.from,
        id = spec.id,
        hash_map = if hash_map {
            "    use std::collections::HashMap;\n"
        } else {
            ""
        },
    )
}

pub fn cargo_toml(spec: &Spec, kind: &str) -> String {
    let name = spec.crate_name(kind);
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition.workspace = true\npublish.workspace = true\n\n[lib]\nname = \"{}\"\ncrate-type = [\"cdylib\"]\n\n[dependencies]\npyo3.workspace = true\n",
        name.replace('-', "_")
    )
}

pub fn pyproject_toml(spec: &Spec, kind: &str) -> String {
    format!(
        "[build-system]\nrequires = [\"maturin>=1.9.4,<2\"]\nbuild-backend = \"maturin\"\n\n[project]\nname = \"{}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\n\n[tool.maturin]\nmodule-name = \"{}\"\n",
        spec.crate_name(kind),
        spec.module
    )
}

/// The public function the speed case times: the first that takes a sized input (a list, str or
/// bytes), else the first function.
fn speed_function(model: &Value) -> Option<&str> {
    let functions = names(&model["functions"]);
    let sized = |f: &&&Value| {
        names(&f["params"]).iter().any(|p| {
            ["list", "str", "bytes", "dict"]
                .iter()
                .any(|k| uses(&p["type"], k))
        })
    };
    functions
        .iter()
        .find(sized)
        .or(functions.first())
        .and_then(|f| f["name"].as_str())
}

pub fn exercise_toml(spec: &Spec, model: &Value) -> String {
    let title = model["doc"]
        .as_str()
        .and_then(|d| d.lines().next())
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().trim_end_matches('.').to_string())
        .unwrap_or_else(|| format!("The `{}` module in Rust", spec.module));
    let mut parts: Vec<String> = names(&model["functions"])
        .iter()
        .filter_map(|f| f["name"].as_str().map(|n| format!("`{n}`")))
        .collect();
    parts.extend(
        names(&model["classes"])
            .iter()
            .filter_map(|c| c["name"].as_str().map(|n| format!("the class `{n}`"))),
    );
    let mut out = format!(
        "# Exercise {id}, generated by `cargo xtask new` from {from}. Schema: README.md \"Course author guide\".\nid = {id}\nslug = \"{slug}\"\ntitle = {title:?}\nmodule = \"{module}\"\ntimeout_secs = 60\n# TODO(author): replace these with three hints per part: a nudge, then the rule, then (only in\n# the part's last hint, starting \"In code:\") the code. TODOs in src/ state the goal and the rule.\nhints = [\n",
        id = spec.id,
        from = spec.from,
        slug = spec.slug,
        module = spec.module,
    );
    out.push_str(
        "    \"Read tests/baseline.py, the original: the extension must return what it returns and raise what it raises (type and message). A failing differential test shows the smallest call that differs.\",\n",
    );
    out.push_str(&format!(
        "    \"Start with {}: each is a `todo!()` in src/lib.rs with the original's docstring above it.\",\n]\n\n[leaks]\nenabled = true\n",
        parts.join(", ")
    ));
    if let Some(function) = speed_function(model) {
        out.push_str(&format!(
            "\n[[perf]]\nname = \"{function}\"\nbaseline = \"baseline:{function}\"\ncandidate = \"{module}:{function}\"\nsetup = \"speed:make_{function}_input\"\n# TODO(author): measure the reference solution (`cargo xtask verify {id}` prints its speedup) and\n# set this at least 25 % below it.\nmin_speedup = 2.0\nthreads = false\nhint = \"Convert the arguments to Rust values once, work on plain Rust data, and convert the result back once.\"\n",
            module = spec.module,
            id = spec.id,
        ));
    }
    out
}

/// `tests/test_<module>.py`: one differential test and one leak check per function and class.
pub fn test_py(spec: &Spec, model: &Value) -> String {
    let module = spec.module;
    let mut out = format!(
        "\"\"\"Differential tests for `{module}`, generated by `cargo xtask new` from {from}.\n\n\
         tests/baseline.py is the original module, the oracle: for arguments drawn from its type hints\n\
         (hypothesis, a fixed seed), the extension must return what it returns and raise what it raises.\n\
         Narrow an input by naming a strategy: `check_function(baseline.f, {module}.f, n=st.integers(0, 99))`;\n\
         add the edge cases you know of as `examples=[{{\"n\": 0}}]`, checked first on every run.\n\
         \"\"\"\n\n\
         import pytest\n\
         from hypothesis import strategies as st  # noqa: F401 (for strategies you add)\n\n\
         import baseline\n\
         import {module}\n\
         from lessongrader.differential import check_class, check_function, leak_check, leak_check_methods\n\n\
         # Hypothesis draws new inputs on every run: the leak hunt looks at the *_leaks_nothing tests instead.\n\
         DIFFERENTIAL = pytest.mark.no_leak_check(reason=\"differential test; see the *_leaks_nothing tests\")\n",
        from = spec.from
    );
    for f in names(&model["functions"]) {
        let name = f["name"].as_str().unwrap_or("f");
        out.push_str(&format!(
            "\n\n@DIFFERENTIAL\ndef test_{name}_matches_the_original():\n    check_function(baseline.{name}, {module}.{name})\n\n\ndef test_{name}_leaks_nothing():\n    leak_check(baseline.{name}, {module}.{name})\n"
        ));
    }
    for class in names(&model["classes"]) {
        let name = class["name"].as_str().unwrap_or("C");
        out.push_str(&format!(
            "\n\n@DIFFERENTIAL\ndef test_{name}_matches_the_original():\n    check_class(baseline.{name}, {module}.{name})\n\n\ndef test_{name}_leaks_nothing():\n    leak_check(baseline.{name}, {module}.{name})\n    leak_check_methods(baseline.{name}, {module}.{name})\n"
        ));
    }
    out
}

/// `tests/speed.py`: the speed case's input, drawn with a fixed seed.
pub fn speed_py(model: &Value) -> Option<String> {
    let function = speed_function(model)?;
    Some(format!(
        "\"\"\"The input of exercise.toml's speed case: large, typical, the same on every run.\"\"\"\n\nimport baseline\nfrom lessongrader.differential import large_args\n\n\ndef make_{function}_input():\n    return large_args(baseline.{function}, size=20_000, seed=19)\n"
    ))
}

/// The exercise's README: the task, in the words of the original's docstrings.
pub fn readme(spec: &Spec, model: &Value) -> String {
    let mut out = format!(
        "# Exercise {id} — {slug}\n\n_Generated by `cargo xtask new` from `{from}`: a course author fills in the story._\n\n\
         Write the Python module `{module}` in Rust. `tests/baseline.py` is the original, pure Python: the\n\
         tests draw arguments from its type hints and require the same results and the same exceptions.\n\n\
         ```sh\ncargo xtask check {id}\n```\n\n## What to write\n\n",
        id = spec.id,
        slug = spec.slug,
        from = spec.from,
        module = spec.module
    );
    for f in names(&model["functions"]) {
        let first = f["doc"]
            .as_str()
            .and_then(|d| d.lines().next())
            .unwrap_or("");
        out.push_str(&format!(
            "- `{}` — {first}\n",
            f["name"].as_str().unwrap_or("")
        ));
    }
    for c in names(&model["classes"]) {
        let first = c["doc"]
            .as_str()
            .and_then(|d| d.lines().next())
            .unwrap_or("");
        out.push_str(&format!(
            "- the class `{}` — {first}\n",
            c["name"].as_str().unwrap_or("")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hints_map_by_the_table() {
        let list_of_floats = json!({"kind": "list", "args": [{"kind": "float"}]});
        assert_eq!(rust_type(&list_of_floats, Place::Argument), "Vec<f64>");
        let s = json!({"kind": "str"});
        assert_eq!(rust_type(&s, Place::Argument), "&str");
        assert_eq!(rust_type(&s, Place::Owned), "String");
        let d = json!({"kind": "dict", "args": [{"kind": "str"}, {"kind": "int"}]});
        assert_eq!(rust_type(&d, Place::Owned), "HashMap<String, i64>");
        let o = json!({"kind": "optional", "args": [{"kind": "bytes"}]});
        assert_eq!(rust_type(&o, Place::Argument), "Option<Vec<u8>>");
        let t = json!({"kind": "tuple", "args": [{"kind": "int"}, {"kind": "str"}]});
        assert_eq!(rust_type(&t, Place::Owned), "(i64, String)");
        let a = json!({"kind": "any", "text": "Path"});
        assert_eq!(rust_type(&a, Place::Argument), "&Bound<'_, PyAny>");
        assert_eq!(rust_type(&a, Place::Owned), "Py<PyAny>");
    }

    #[test]
    fn defaults_keywords_and_todos_reach_the_skeleton() {
        let model = json!({"functions": [{
            "name": "scale", "line": 7, "doc": "Scale it.\n\nReally.",
            "params": [
                {"name": "type", "type": {"kind": "str"}, "default": null},
                {"name": "factor", "type": {"kind": "float"}, "default": {"value": 0.5, "python": "0.5"}},
                {"name": "label", "type": {"kind": "str"}, "default": {"value": "a\"b", "python": "'a\"b'"}},
                {"name": "thing", "type": {"kind": "any", "text": "Path"}, "default": null}
            ],
            "returns": {"kind": "dict", "args": [{"kind": "str"}, {"kind": "int"}]},
            "star_args": false
        }], "classes": []});
        let spec = Spec {
            id: 9,
            slug: "scale",
            module: "scaler",
            from: "scale.py",
        };
        let text = lib_rs(&spec, &model, false);
        assert!(
            text.contains("    /// Scale it.\n    ///\n    /// Really.\n"),
            "{text}"
        );
        assert!(
            text.contains("#[pyo3(signature = (r#type, factor = 0.5, label = \"a\\\"b\", thing))]"),
            "{text}"
        );
        assert!(text.contains("fn scale(r#type: &str, factor: f64, label: &str, thing: &Bound<'_, PyAny>) -> PyResult<HashMap<String, i64>>"), "{text}");
        assert!(text.contains("use std::collections::HashMap;"), "{text}");
        assert!(
            text.contains("// TODO: `thing` is `&Bound<PyAny>`: its hint `Path`"),
            "{text}"
        );
        assert!(text.contains("line 7"), "{text}");
    }

    /// A generated exercise follows the course's rule for skeletons and hints: its TODOs state the
    /// goal and the rule, and its placeholder hints are nudges; none holds code.
    #[test]
    fn generated_todos_and_hints_hold_no_code() {
        let model = json!({"functions": [{
            "name": "total", "line": 3, "doc": "Add them up.",
            "params": [{"name": "xs", "type": {"kind": "list", "args": [{"kind": "int"}]}, "default": null}],
            "returns": {"kind": "int"},
            "star_args": false
        }], "classes": []});
        let spec = Spec {
            id: 9,
            slug: "total",
            module: "totals",
            from: "total.py",
        };
        let code = [";", "Ok(", "Err(", "=>", "let ", ".iter()"];
        let skeleton = lib_rs(&spec, &model, false);
        let todos: Vec<&str> = skeleton
            .lines()
            .filter(|line| line.trim_start().starts_with("// TODO"))
            .collect();
        assert!(!todos.is_empty(), "{skeleton}");
        for todo in todos {
            assert!(
                !code.iter().any(|c| todo.contains(c)),
                "code in a TODO: {todo}"
            );
        }
        let toml = exercise_toml(&spec, &model);
        assert!(toml.contains("a nudge, then the rule"), "{toml}");
        let table: toml::Table = toml.parse().unwrap();
        let hints = table["hints"].as_array().unwrap();
        assert!(!hints.is_empty(), "{toml}");
        for hint in hints.iter().map(|hint| hint.as_str().unwrap()) {
            assert!(!hint.starts_with("In code"), "{hint}");
            assert!(
                !code.iter().any(|c| hint.contains(c)),
                "code in a hint: {hint}"
            );
        }
    }
}
