# cython: language_level=3
"""CRC32 (zlib's: IEEE polynomial, reflected), for OKX's book checksum over ~800 bytes per update.

Where the CPU has carry-less multiplication (x86-64 PCLMULQDQ, checked at run time), 16-byte blocks are
folded with it (Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", as zlib's
Chromium fork does) and the tail goes through the tables; elsewhere, and for inputs under 64 bytes,
slicing-by-8 tables do all of it. Same result either way: ``zlib.crc32``.
"""

from libc.stdint cimport uint32_t

cdef extern from *:
    """
    #include <stdint.h>
    #include <stddef.h>
    #if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    #include <immintrin.h>
    #define CS_CRC_SIMD 1
    /* Folds len bytes (a multiple of 16, at least 64) into the running CRC state (pre-inverted). */
    __attribute__((target("pclmul,sse4.1")))
    static uint32_t cs_crc32_fold(const unsigned char *buf, size_t len, uint32_t crc) {
        static const uint64_t __attribute__((aligned(16))) k1k2[] = {0x0154442bd4, 0x01c6e41596};
        static const uint64_t __attribute__((aligned(16))) k3k4[] = {0x01751997d0, 0x00ccaa009e};
        static const uint64_t __attribute__((aligned(16))) k5k0[] = {0x0163cd6124, 0x0000000000};
        static const uint64_t __attribute__((aligned(16))) poly[] = {0x01db710641, 0x01f7011641};
        __m128i x0, x1, x2, x3, x4, x5, x6, x7, x8, y5, y6, y7, y8;
        x1 = _mm_loadu_si128((const __m128i *)(buf + 0x00));
        x2 = _mm_loadu_si128((const __m128i *)(buf + 0x10));
        x3 = _mm_loadu_si128((const __m128i *)(buf + 0x20));
        x4 = _mm_loadu_si128((const __m128i *)(buf + 0x30));
        x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
        x0 = _mm_load_si128((const __m128i *)k1k2);
        buf += 64;
        len -= 64;
        while (len >= 64) {
            x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
            x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
            x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
            x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
            x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
            x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
            x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
            x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
            y5 = _mm_loadu_si128((const __m128i *)(buf + 0x00));
            y6 = _mm_loadu_si128((const __m128i *)(buf + 0x10));
            y7 = _mm_loadu_si128((const __m128i *)(buf + 0x20));
            y8 = _mm_loadu_si128((const __m128i *)(buf + 0x30));
            x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), y5);
            x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), y6);
            x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), y7);
            x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), y8);
            buf += 64;
            len -= 64;
        }
        x0 = _mm_load_si128((const __m128i *)k3k4);
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), x5);
        x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), x5);
        while (len >= 16) {
            x2 = _mm_loadu_si128((const __m128i *)buf);
            x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
            x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
            x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
            buf += 16;
            len -= 16;
        }
        x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
        x3 = _mm_setr_epi32(~0, 0, ~0, 0);
        x1 = _mm_srli_si128(x1, 8);
        x1 = _mm_xor_si128(x1, x2);
        x0 = _mm_loadl_epi64((const __m128i *)k5k0);
        x2 = _mm_srli_si128(x1, 4);
        x1 = _mm_and_si128(x1, x3);
        x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
        x1 = _mm_xor_si128(x1, x2);
        x0 = _mm_load_si128((const __m128i *)poly);
        x2 = _mm_and_si128(x1, x3);
        x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
        x2 = _mm_and_si128(x2, x3);
        x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
        x1 = _mm_xor_si128(x1, x2);
        return (uint32_t)_mm_extract_epi32(x1, 1);
    }
    static int cs_crc32_has_simd(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
    }
    #else
    #define CS_CRC_SIMD 0
    static uint32_t cs_crc32_fold(const unsigned char *buf, size_t len, uint32_t crc) { return crc; }
    static int cs_crc32_has_simd(void) { return 0; }
    #endif
    """
    uint32_t cs_crc32_fold(const unsigned char* buf, size_t length, uint32_t crc) noexcept nogil
    int cs_crc32_has_simd() noexcept nogil

# Slicing-by-8 tables: table k advances a byte through k more zero bytes.
cdef uint32_t[8][256] _T
cdef uint32_t _c
cdef int _n, _k
for _n in range(256):
    _c = <uint32_t>_n
    for _k in range(8):
        _c = (0xEDB88320 ^ (_c >> 1)) if _c & 1 else (_c >> 1)
    _T[0][_n] = _c
for _n in range(256):
    for _k in range(1, 8):
        _T[_k][_n] = (_T[_k - 1][_n] >> 8) ^ _T[0][_T[_k - 1][_n] & 0xFF]

cdef bint _SIMD = cs_crc32_has_simd()


cdef uint32_t _tables(uint32_t crc, const unsigned char* p, size_t n) noexcept nogil:
    cdef uint32_t one, two
    while n >= 8:
        one = crc ^ (p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24))
        two = p[4] | (<uint32_t>p[5] << 8) | (<uint32_t>p[6] << 16) | (<uint32_t>p[7] << 24)
        crc = (_T[7][one & 0xFF] ^ _T[6][(one >> 8) & 0xFF] ^ _T[5][(one >> 16) & 0xFF] ^ _T[4][one >> 24]
               ^ _T[3][two & 0xFF] ^ _T[2][(two >> 8) & 0xFF] ^ _T[1][(two >> 16) & 0xFF] ^ _T[0][two >> 24])
        p += 8
        n -= 8
    while n:
        crc = _T[0][(crc ^ p[0]) & 0xFF] ^ (crc >> 8)
        p += 1
        n -= 1
    return crc


cdef uint32_t crc32_of(const unsigned char* p, size_t n, bint simd) noexcept nogil:
    """``zlib.crc32`` of ``p[:n]`` (``simd``: fold with PCLMULQDQ where the CPU has it)."""
    cdef uint32_t crc = <uint32_t>0xFFFFFFFFU
    cdef size_t blocks
    if simd and _SIMD and n >= 64:
        blocks = n & ~(<size_t>15)
        crc = cs_crc32_fold(p, blocks, crc)
        p += blocks
        n -= blocks
    return _tables(crc, p, n) ^ <uint32_t>0xFFFFFFFFU


def crc32(data: bytes, bint simd=True) -> int:
    """``zlib.crc32(data)`` (unsigned); ``simd=False`` uses the tables alone."""
    return crc32_of(<const unsigned char*><const char*>data, len(data), simd)


def simd_available() -> bool:
    """Whether this CPU folds with carry-less multiplication."""
    return bool(_SIMD)
