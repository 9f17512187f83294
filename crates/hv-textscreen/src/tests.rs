//! Tests of the screen decoding.

use super::*;

/// A blank screen (zeroed memory) with `text` written from `(row, column)`,
/// attribute 0x07 as a BIOS writes it.
fn screen_with(lines: &[(usize, usize, &[u8])]) -> Vec<u8> {
    let mut bytes = vec![0u8; SCREEN_BYTES];
    for &(row, column, text) in lines {
        for (i, &code) in text.iter().enumerate() {
            let at = (row * COLUMNS + column + i) * CELL_BYTES;
            bytes[at] = code;
            bytes[at + 1] = 0x07;
        }
    }
    bytes
}

fn lines(bytes: &[u8]) -> Vec<String> {
    TextScreen::new(bytes).expect("screen").text_rows().map(|row| row.to_string()).collect()
}

#[test]
fn rows_are_trimmed_and_blank_rows_around_dropped() {
    let bytes = screen_with(&[(2, 0, b"mem_lower = 640KB  "), (4, 4, b"indented"), (24, 79, b"x")]);
    let mut expected = vec!["mem_lower = 640KB".to_string(), String::new(), "    indented".into()];
    expected.extend(vec![String::new(); 19]);
    expected.push(format!("{}x", " ".repeat(79)));
    assert_eq!(lines(&bytes), expected);
    let bytes = screen_with(&[(0, 0, b"flags = 0x124d"), (1, 0, b"Halted.")]);
    assert_eq!(lines(&bytes), ["flags = 0x124d", "Halted."]);
    let screen = TextScreen::new(&bytes).expect("screen");
    assert_eq!(screen.rows().count(), ROWS);
    assert!(screen.rows().nth(2).expect("row").is_blank());
}

#[test]
fn blank_screens_have_no_text() {
    for fill in [0x00, b' ', 0xFF] {
        let bytes: Vec<u8> = (0..SCREEN_BYTES).map(|i| if i % 2 == 0 { fill } else { 0x1F }).collect();
        let screen = TextScreen::new(&bytes).expect("screen");
        assert!(!screen.has_text());
        assert_eq!(screen.text_rows().count(), 0);
    }
    assert!(TextScreen::new(&screen_with(&[(12, 40, b".")])).expect("screen").has_text());
    // Attributes alone are not text.
    let mut bytes = vec![0u8; SCREEN_BYTES];
    bytes[1] = 0x4F;
    assert!(!TextScreen::new(&bytes).expect("screen").has_text());
}

#[test]
fn only_a_whole_screen_is_a_screen() {
    assert!(TextScreen::new(&[0; SCREEN_BYTES - 1]).is_none());
    assert!(TextScreen::new(&[0; SCREEN_BYTES + 1]).is_none());
    assert_eq!(SCREEN, 0xB_8000..0xB_8FA0);
}

#[test]
fn code_page_437_is_decoded() {
    assert_eq!(char_of(b'A'), 'A');
    assert_eq!(char_of(b'\\'), '\\');
    assert_eq!(char_of(0x01), '☺');
    assert_eq!(char_of(0x7F), '⌂');
    assert_eq!(char_of(0x80), 'Ç');
    assert_eq!(char_of(0xB0), '░');
    assert_eq!(char_of(0xC9), '╔');
    assert_eq!(char_of(0xDB), '█');
    assert_eq!(char_of(0xE1), 'ß');
    assert_eq!(char_of(0xFE), '■');
    assert_eq!(char_of(0xFF), ' ');
    // Every code decodes to one character, none of them a control character
    // a terminal would act on.
    for code in 0..=255u8 {
        assert!(!char_of(code).is_control(), "{code:#x}");
    }
}

#[test]
fn random_screens_decode_within_bounds() {
    let mut state = 0x853c_49e6_748f_ea9bu64;
    for _ in 0..300 {
        let bytes: Vec<u8> = (0..SCREEN_BYTES)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Mostly blanks, like a real screen.
                if state.is_multiple_of(5) {
                    state.to_le_bytes()[1]
                } else {
                    0
                }
            })
            .collect();
        let screen = TextScreen::new(&bytes).expect("screen");
        let rows: Vec<Row<'_>> = screen.text_rows().collect();
        assert!(rows.len() <= ROWS);
        for row in &rows {
            let text = row.to_string();
            assert!(text.chars().count() <= COLUMNS);
            assert!(!text.ends_with(' '));
        }
        assert_eq!(screen.has_text(), !rows.is_empty());
    }
}
