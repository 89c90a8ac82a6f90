//! Splits a write into segments so the reconstructor can look at the screen between them:
//! before every line feed (to read the line the user submitted while it is still intact) and
//! before every private-mode escape `ESC [ ?` (so a bracketed-paste or alternate-screen switch is
//! seen at the point it happens, not after the rest of the write was drawn).

/// Iterates over the segments of `bytes`; concatenated, they are `bytes` again.
pub fn split(bytes: &[u8]) -> Segments<'_> {
    Segments { rest: bytes }
}

/// Iterator returned by [`split`].
pub struct Segments<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Segments<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        // A boundary is any position > 0 that holds `\n` or starts `ESC [ ?`.
        let mut search_from = 1;
        let cut = loop {
            match memchr::memchr2(b'\n', 0x1b, &self.rest[search_from.min(self.rest.len())..]) {
                None => break self.rest.len(),
                Some(found) => {
                    let position = search_from + found;
                    if self.rest[position] == b'\n' || self.rest[position..].starts_with(b"\x1b[?") {
                        break position;
                    }
                    search_from = position + 1;
                }
            }
        };
        let (segment, rest) = self.rest.split_at(cut);
        self.rest = rest;
        Some(segment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_before_line_feeds_and_private_modes() {
        let parts: Vec<&[u8]> = split(b"ab\r\n\x1b[?2004l\rcd\x1b[1mx\n").collect();
        assert_eq!(parts, vec![&b"ab\r"[..], b"\n", b"\x1b[?2004l\rcd\x1b[1mx", b"\n"]);
    }

    #[test]
    fn concatenation_is_identity() {
        let input = b"\n\n\x1b[?1049h\x1b[?\x1b\x1b[?x\n";
        let joined: Vec<u8> = split(input).flatten().copied().collect();
        assert_eq!(joined, input);
    }
}
