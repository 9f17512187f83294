//! Separating escape sequences from the text to print.
//!
//! Partition consoles colour their `[name]` prefixes with ANSI SGR sequences
//! (`ESC [ 31 m`), and guests may send other sequences a terminal would
//! understand (`ESC [ 2 J`, `ESC c`). A [`Parser`] is fed one character at a
//! time, across as many writes as the sequence is split over, and says what
//! each one is: a character to print, the end of an SGR sequence with its
//! parameters, or part of a sequence to skip.
//!
//! The syntax is ECMA-48's (section 5.4): after `ESC [`, parameter bytes
//! `0x30..=0x3F`, intermediate bytes `0x20..=0x2F`, one final byte
//! `0x40..=0x7E`; after a lone `ESC`, intermediates and one final byte
//! `0x30..=0x7E`. Only a CSI ending in `m` with nothing but digits and `;` is
//! SGR. A character that cannot continue a sequence (a control such as `\n`,
//! or anything outside ASCII) abandons the sequence and is then handled as
//! ordinary text, so a broken sequence never swallows a line break.

/// The most SGR parameters kept; further ones are dropped.
pub(crate) const MAX_PARAMS: usize = 16;

/// ASCII escape, which starts every sequence.
const ESC: char = '\x1b';

/// The numeric parameters of an SGR sequence; an empty parameter is 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    values: [u16; MAX_PARAMS],
    len: usize,
}

impl Params {
    const fn new() -> Self {
        Self { values: [0; MAX_PARAMS], len: 0 }
    }

    fn push(&mut self, value: u16) {
        if let Some(slot) = self.values.get_mut(self.len) {
            *slot = value;
            self.len += 1;
        }
    }

    /// The parameters in order (empty for `ESC [ m`).
    pub(crate) fn as_slice(&self) -> &[u16] {
        &self.values[..self.len]
    }
}

/// What one fed character turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Text (including controls such as `\n`) for the console to handle.
    Print(char),
    /// A complete SGR sequence.
    Sgr(Params),
    /// Part of an escape sequence: nothing to do.
    Skip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Ground,
    /// After `ESC`.
    Escape,
    /// After `ESC [`.
    Csi {
        params: Params,
        /// The digits of the parameter being read, if any.
        current: Option<u16>,
        /// Whether a byte ruled out SGR (private marker, `:`, intermediate).
        foreign: bool,
    },
}

/// An escape-sequence recogniser; its state survives between writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parser {
    state: State,
}

impl Parser {
    /// A parser outside any sequence.
    pub(crate) const fn new() -> Self {
        Self { state: State::Ground }
    }

    /// Classifies the next character.
    pub(crate) fn feed(&mut self, c: char) -> Action {
        match self.state {
            State::Ground => self.ground(c),
            State::Escape => match c {
                '[' => {
                    self.state = State::Csi { params: Params::new(), current: None, foreign: false };
                    Action::Skip
                }
                ' '..='/' => Action::Skip,
                '0'..='~' => {
                    self.state = State::Ground;
                    Action::Skip
                }
                _ => self.ground(c),
            },
            State::Csi { mut params, mut current, mut foreign } => {
                match c {
                    '0'..='9' => {
                        let digit = u16::from(u8::try_from(c).unwrap_or(b'0') - b'0');
                        current = Some(current.unwrap_or(0).saturating_mul(10).saturating_add(digit));
                    }
                    ';' => params.push(current.take().unwrap_or(0)),
                    ':' | '<'..='?' | ' '..='/' => foreign = true,
                    '@'..='~' => {
                        self.state = State::Ground;
                        if c != 'm' || foreign {
                            return Action::Skip;
                        }
                        if let Some(value) = current {
                            params.push(value);
                        } else if !params.as_slice().is_empty() {
                            params.push(0);
                        }
                        return Action::Sgr(params);
                    }
                    _ => return self.ground(c),
                }
                self.state = State::Csi { params, current, foreign };
                Action::Skip
            }
        }
    }

    fn ground(&mut self, c: char) -> Action {
        if c == ESC {
            self.state = State::Escape;
            Action::Skip
        } else {
            self.state = State::Ground;
            Action::Print(c)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `text`, returning the printed characters and the SGR parameter
    /// lists in order of appearance.
    fn run(parser: &mut Parser, text: &str) -> (String, Vec<Vec<u16>>) {
        let (mut printed, mut sgrs) = (String::new(), Vec::new());
        for c in text.chars() {
            match parser.feed(c) {
                Action::Print(c) => printed.push(c),
                Action::Sgr(p) => sgrs.push(p.as_slice().to_vec()),
                Action::Skip => {}
            }
        }
        (printed, sgrs)
    }

    #[test]
    fn sgr_sequences_are_recognised_with_their_parameters() {
        let mut p = Parser::new();
        let (printed, sgrs) = run(&mut p, "\x1b[31m[hello64]\x1b[0m up\x1b[m\x1b[1;;94m.");
        assert_eq!(printed, "[hello64] up.");
        assert_eq!(sgrs, [vec![31], vec![0], vec![], vec![1, 0, 94]]);
        let (_, sgrs) = run(&mut p, "\x1b[;m\x1b[99999m");
        assert_eq!(sgrs, [vec![0, 0], vec![u16::MAX]], "empty parameters are 0; big ones saturate");
    }

    #[test]
    fn a_sequence_may_be_split_across_writes() {
        let mut p = Parser::new();
        assert_eq!(run(&mut p, "a\x1b"), ("a".into(), vec![]));
        assert_eq!(run(&mut p, "[3"), ("".into(), vec![]));
        assert_eq!(run(&mut p, "2mb"), ("b".into(), vec![vec![32]]));
    }

    #[test]
    fn other_sequences_are_skipped() {
        let mut p = Parser::new();
        let (printed, sgrs) = run(&mut p, "\x1b[2J\x1b[?25l\x1b[38:5:1m\x1b[1 m\x1bc\x1b(B\x1b[12;40Hok");
        assert_eq!(printed, "ok");
        assert!(sgrs.is_empty(), "{sgrs:?}");
    }

    #[test]
    fn a_broken_sequence_releases_the_character_that_broke_it() {
        let mut p = Parser::new();
        assert_eq!(run(&mut p, "\x1b[31\nx"), ("\nx".into(), vec![]));
        assert_eq!(run(&mut p, "\x1b\ny"), ("\ny".into(), vec![]));
        assert_eq!(run(&mut p, "\x1b[3é"), ("é".into(), vec![]));
        // ESC inside a sequence starts a new one.
        assert_eq!(run(&mut p, "\x1b[3\x1b[35mz"), ("z".into(), vec![vec![35]]));
    }

    #[test]
    fn parameters_beyond_the_limit_are_dropped() {
        let mut p = Parser::new();
        let many: String = (0..20).map(|i| format!("{i};")).collect();
        let (_, sgrs) = run(&mut p, &format!("\x1b[{many}m"));
        assert_eq!(sgrs.len(), 1);
        assert_eq!(sgrs[0], (0..16).collect::<Vec<u16>>());
    }
}
