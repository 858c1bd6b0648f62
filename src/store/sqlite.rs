//! Host tests run the store's own statements on SQLite (through Python's sqlite3: CPython is on
//! every machine this project builds on, the crate has no SQLite of its own), so the SQL that
//! D1 runs is tested without a worker: the migrations, the recorder's batch, the readers' queries.
use serde_json::Value;

use super::Arg;

/// A statement and its arguments.
pub type Step = (String, Vec<Arg>);

/// What one group of statements did: each statement's rows (as JSON objects) and the rows it
/// changed, or the error that rolled the whole group back (D1 runs a batch as one transaction).
pub type Outcome = Result<Vec<(Vec<Value>, i64)>, String>;

fn arg_json(a: &Arg) -> Value {
    match a {
        Arg::Null => Value::Null,
        Arg::Int(i) => Value::from(*i),
        Arg::Real(f) => Value::from(*f),
        Arg::Text(s) => Value::from(s.as_str()),
    }
}

/// Every migration file, in order, up to and including `last`.
pub fn migrations(last: u32) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut sql = String::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name[..4].parse::<u32>().unwrap() <= last {
            sql.push_str(&std::fs::read_to_string(&f).unwrap());
            sql.push('\n');
        }
    }
    sql
}

/// Runs `script` (many statements, no results), then each group of steps in its own
/// transaction, on one fresh in-memory database with foreign keys on, as D1 has them.
pub fn run(script: &str, groups: &[Vec<Step>]) -> Vec<Outcome> {
    run_on(":memory:", script, groups)
}

/// [`run`] on a database file that later calls continue (a test that reads, decides and writes
/// in turns, as the consumer does).
pub fn run_on(file: &str, script: &str, groups: &[Vec<Step>]) -> Vec<Outcome> {
    use std::io::Write as _;
    let program = r#"
import json, sqlite3, sys
job = json.load(sys.stdin)
db = sqlite3.connect(job['file'], isolation_level=None)
db.row_factory = sqlite3.Row
db.execute('PRAGMA foreign_keys = ON')
db.executescript(job['script'])
out = []
for group in job['groups']:
    db.execute('BEGIN')
    try:
        results = []
        for sql, params in group:
            before = db.total_changes
            rows = [dict(r) for r in db.execute(sql, params).fetchall()]
            results.append([rows, db.total_changes - before])
        db.execute('COMMIT')
        out.append({'ok': results})
    except sqlite3.Error as e:
        db.execute('ROLLBACK')
        out.append({'err': str(e)})
print(json.dumps(out))
"#;
    let groups: Vec<Vec<(String, Vec<Value>)>> =
        groups.iter().map(|g| g.iter().map(|(sql, args)| (sql.clone(), args.iter().map(arg_json).collect())).collect()).collect();
    let input = serde_json::json!({ "file": file, "script": script, "groups": groups }).to_string();
    let mut child = std::process::Command::new("python3")
        .args(["-c", program])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 must be on PATH for this test (CPython is part of the build machine)");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "sqlite run failed: {}", String::from_utf8_lossy(&out.stderr));
    let outcomes: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    outcomes
        .into_iter()
        .map(|o| match o.get("err") {
            Some(e) => Err(e.as_str().unwrap_or_default().to_string()),
            None => Ok(o["ok"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r[0].as_array().unwrap().clone(), r[1].as_i64().unwrap()))
                .collect()),
        })
        .collect()
}

/// A query as a step.
pub fn q(sql: &str, args: &[Arg]) -> Step {
    (sql.to_string(), args.to_vec())
}
