//! A unified diff of one file's old and new text, for `cairn plan --format
//! patch` and proposals. The changed region is what lies between the
//! longest common prefix and suffix of lines: one hunk with up to three
//! lines of context on each side. That is exact (it applies with `git
//! apply` and `patch -p1`) and linear; it is the smallest diff for the
//! edits cairn proposes (a field set or added in one place), and merely not
//! minimal for edits in several far-apart places.

/// Lines of context around a hunk.
const CONTEXT: usize = 3;

/// Splits into lines, each with its line ending.
fn lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// `start,len` of a hunk range: a range of no lines starts at the line before it.
fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

/// The unified diff turning `old` into `new` (`None`: the file does not
/// exist on that side), with `--- a/PATH` / `+++ b/PATH` headers (`/dev/null`
/// for a missing side). Empty when the texts are equal.
pub fn unified(path: &str, old: Option<&str>, new: Option<&str>) -> String {
    if old == new {
        return String::new();
    }
    let (a, b) = (lines(old.unwrap_or("")), lines(new.unwrap_or("")));
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a.iter().rev().zip(b.iter().rev()).take(max_suffix).take_while(|(x, y)| x == y).count();
    let before = prefix.min(CONTEXT);
    let after = suffix.min(CONTEXT);
    let start = prefix - before;
    let (a_end, b_end) = (a.len() - suffix + after, b.len() - suffix + after);
    let mut out = String::new();
    out.push_str(&match old {
        Some(_) => format!("--- a/{path}\n"),
        None => "--- /dev/null\n".to_string(),
    });
    out.push_str(&match new {
        Some(_) => format!("+++ b/{path}\n"),
        None => "+++ /dev/null\n".to_string(),
    });
    out.push_str(&format!("@@ -{} +{} @@\n", range(start, a_end - start), range(start, b_end - start)));
    for l in &a[start..prefix] {
        push_line(&mut out, ' ', l);
    }
    for l in &a[prefix..a.len() - suffix] {
        push_line(&mut out, '-', l);
    }
    for l in &b[prefix..b.len() - suffix] {
        push_line(&mut out, '+', l);
    }
    for l in &a[a.len() - suffix..a_end] {
        push_line(&mut out, ' ', l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn one_line_changed_in_the_middle() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n";
        // Line 5 changes: context lines 2-4 and 6-8, so 7 lines from line 2.
        let want = "--- a/x.md\n+++ b/x.md\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n";
        assert_eq!(unified("x.md", Some(old), Some(new)), want);
    }

    #[test]
    fn a_line_inserted_near_the_top() {
        let old = "---\ntitle: A\n---\nbody\n";
        let new = "---\ntitle: A\nsprint: s1\n---\nbody\n";
        let want = "--- a/a.md\n+++ b/a.md\n@@ -1,4 +1,5 @@\n ---\n title: A\n+sprint: s1\n ---\n body\n";
        assert_eq!(unified("a.md", Some(old), Some(new)), want);
    }

    #[test]
    fn new_file_and_missing_final_newline() {
        assert_eq!(
            unified("n.md", None, Some("a\nb")),
            "--- /dev/null\n+++ b/n.md\n@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n"
        );
        assert_eq!(unified("n.md", Some("a\n"), Some("a\n")), "");
        // Repeated lines: the prefix and the suffix never overlap.
        assert_eq!(
            unified("r.md", Some("x\nx\n"), Some("x\nx\nx\n")),
            "--- a/r.md\n+++ b/r.md\n@@ -1,2 +1,3 @@\n x\n x\n+x\n"
        );
    }
}
