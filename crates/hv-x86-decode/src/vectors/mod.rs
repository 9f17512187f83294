//! Test vectors produced outside the test run (by the processor, and by
//! GNU binutils' `as` and `objdump`) and committed as literal data.

mod alu;
mod objdump;
