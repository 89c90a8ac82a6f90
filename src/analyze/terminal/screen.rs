//! A terminal screen fed with PTY output: a thin wrapper over the `vt100` emulator that also
//! counts rows scrolled off the top, so a position remembered earlier can still be found after
//! output scrolled the screen ("absolute rows").

/// Counts rows pushed off the top of the screen.
#[derive(Default)]
struct ScrollCounter {
    scrolled: u64,
}

impl vt100::Callbacks for ScrollCounter {
    fn on_scroll(&mut self, _contents: vt100::capture::RowContents<'_>, alternate_screen: bool) {
        if !alternate_screen {
            self.scrolled += 1;
        }
    }
}

/// An emulated terminal screen.
pub struct Screen {
    parser: vt100::Parser<ScrollCounter>,
}

/// A cell position counted from the first row the session ever had on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsolutePosition {
    pub row: u64,
    pub col: u16,
}

fn non_zero(value: u16, fallback: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(value)
        .or_else(|| std::num::NonZeroU16::new(fallback))
        .unwrap_or(std::num::NonZeroU16::MIN)
}

impl Screen {
    /// A blank screen of `cols` x `rows` (zeros fall back to 80 x 24).
    pub fn new(cols: u16, rows: u16) -> Self {
        Screen {
            parser: vt100::Parser::new_with_callbacks(
                non_zero(rows, 24),
                non_zero(cols, 80),
                0,
                ScrollCounter::default(),
            ),
        }
    }

    /// Feeds output bytes.
    pub fn process(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
    }

    /// Resizes the terminal (zeros are ignored).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        if cols > 0 && rows > 0 {
            self.parser.set_size(non_zero(rows, 24), non_zero(cols, 80));
        }
    }

    fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    /// `(rows, cols)`.
    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.screen().size();
        (rows.get(), cols.get())
    }

    /// Whether a full-screen program has switched to the alternate screen.
    pub fn alternate_screen(&self) -> bool {
        self.screen().alternate_screen()
    }

    /// Whether bracketed-paste mode is on (readline and zle turn it on while reading a line).
    pub fn bracketed_paste(&self) -> bool {
        self.screen().bracketed_paste()
    }

    /// The cursor as `(row, col)` on the visible screen.
    pub fn cursor(&self) -> (u16, u16) {
        self.screen().cursor_position()
    }

    /// The cursor as an absolute position.
    pub fn cursor_absolute(&self) -> AbsolutePosition {
        let (row, col) = self.cursor();
        AbsolutePosition { row: u64::from(row) + self.scrolled(), col }
    }

    /// Rows scrolled off the top so far.
    pub fn scrolled(&self) -> u64 {
        self.parser.callbacks().scrolled
    }

    /// The visible row an absolute row is on now, or `None` when it scrolled off.
    pub fn visible_row(&self, absolute_row: u64) -> Option<u16> {
        let row = absolute_row.checked_sub(self.scrolled())?;
        let (rows, _) = self.size();
        u16::try_from(row).ok().filter(|row| *row < rows)
    }

    /// Text of columns `[start_col, end_col)` of a visible row, as `vt100` renders row
    /// contents (blank cells between characters become spaces, trailing blank cells are
    /// omitted). Reads only that row's cells: this runs for every write.
    pub fn row_text(&self, row: u16, start_col: u16, end_col: u16) -> String {
        let screen = self.screen();
        let mut text = String::new();
        let mut written_to = start_col;
        let mut skip_continuation = false;
        for col in start_col..end_col.min(self.size().1) {
            if skip_continuation {
                skip_continuation = false;
                continue;
            }
            let Some(cell) = screen.cell(row, col) else {
                break;
            };
            skip_continuation = cell.is_wide();
            if cell.has_contents() {
                for _ in written_to..col {
                    text.push(' ');
                }
                text.push_str(cell.contents());
                written_to = col + if cell.is_wide() { 2 } else { 1 };
            }
        }
        text
    }

    /// Whether a visible row continues on the next one (soft-wrapped).
    pub fn row_wrapped(&self, row: u16) -> bool {
        self.screen().row_wrapped(row)
    }

    /// The first row of the logical line (soft-wrapped rows) that `row` is part of.
    pub fn logical_line_start(&self, mut row: u16) -> u16 {
        while row > 0 && self.row_wrapped(row - 1) {
            row -= 1;
        }
        row
    }

    /// Text from `(row, col)` through the end of `last_row`'s logical line: soft-wrapped rows
    /// are joined directly, hard line breaks become `\n`, trailing blanks of each line dropped.
    pub fn text_through(&self, row: u16, col: u16, last_row: u16) -> String {
        let (rows, cols) = self.size();
        let mut end_row = last_row.max(row).min(rows.saturating_sub(1));
        while end_row + 1 < rows && self.row_wrapped(end_row) {
            end_row += 1;
        }
        let mut text = String::new();
        for current in row..=end_row {
            let start_col = if current == row { col } else { 0 };
            text.push_str(&self.row_text(current, start_col, cols));
            if current < end_row && !self.row_wrapped(current) {
                let kept = text.trim_end_matches(' ').len();
                text.truncate(kept);
                text.push('\n');
            }
        }
        let kept = text.trim_end_matches(' ').len();
        text.truncate(kept);
        text
    }
}
