//! The lifecycle's log as text: it colours its lines and the buildpacks' (ANSI escapes)
//! whether or not anyone watches a terminal, and kiln reads messages back out of it.

/// `line` without terminal escape sequences: CSI sequences (`ESC [ … final byte`, colours
/// among them), character set selections (`ESC ( B`) and two-character escapes.
pub(crate) fn without_escapes(line: &str) -> String {
    const ESCAPE: char = '\u{1b}';
    let mut text = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(char) = chars.next() {
        if char != ESCAPE {
            text.push(char);
            continue;
        }
        let final_bytes = match chars.next() {
            Some('[') => '@'..='~',
            Some(' '..='/') => '0'..='~',
            // A two-character escape, or an escape cut off at the end of the line.
            _ => continue,
        };
        for char in chars.by_ref() {
            if final_bytes.contains(&char) {
                break;
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_colour_and_other_escape_sequences() {
        assert_eq!(without_escapes("\u{1b}[31;1mERROR: \u{1b}[0mfailed"), "ERROR: failed");
        assert_eq!(without_escapes("\u{1b}(Bplain\u{1b}[K\u{1b}7"), "plain");
        assert_eq!(without_escapes("trailing \u{1b}"), "trailing ");
    }
}
