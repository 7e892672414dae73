# cython: language_level=3
"""C-level view of the CRC32: ``from cryptoscalp_speedups.crc32 cimport crc32_of``."""

from libc.stdint cimport uint32_t

cdef uint32_t crc32_of(const unsigned char* p, size_t n, bint simd) noexcept nogil
