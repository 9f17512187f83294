//! A partition's text-mode screen: when a partition stops, whatever it
//! wrote into the VGA text buffer (80x25 cells at guest-physical 0xB8000,
//! when that lies in its memory) is printed on its console, one line per
//! row, so kernels that only print to the screen (the Multiboot
//! specification's example kernel, early boot messages) are seen too. The
//! decoding (code page 437, trimming) is `hv-textscreen`'s.

use hv_textscreen::{TextScreen, SCREEN, SCREEN_BYTES};

use super::console::PartitionConsole;
use super::memory::GuestMemory;

/// Prints the screen in `memory` on `console`, if it holds any text.
pub fn show(memory: &GuestMemory, console: &mut PartitionConsole) {
    let Some(screen) = memory.bytes(SCREEN.start, SCREEN_BYTES as u64).and_then(TextScreen::new) else { return };
    if !screen.has_text() {
        return;
    }
    console.flush();
    let rows = screen.text_rows().count();
    console.write(
        alloc::format!("text-mode screen at stop (VGA text buffer {:#x}), {rows} rows:\n", SCREEN.start).as_bytes(),
    );
    for row in screen.text_rows() {
        console.write(alloc::format!("| {row}\n").as_bytes());
    }
}
