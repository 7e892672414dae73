"""CRC32 as ``zlib.crc32`` computes it (IEEE polynomial, reflected): folded with carry-less
multiplication where the CPU has it (x86-64 PCLMULQDQ, checked at run time), tables otherwise."""

def crc32(data: bytes, simd: bool = True) -> int:
    """``zlib.crc32(data)`` (unsigned); ``simd=False`` uses the tables alone."""

def simd_available() -> bool:
    """Whether this CPU folds with carry-less multiplication."""
