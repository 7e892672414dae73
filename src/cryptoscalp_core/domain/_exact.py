"""Decimal arithmetic that does not depend on the thread's :mod:`decimal` context.

The default context rounds every result to 28 significant digits and a caller may change it at any time,
so money math done with the plain operators can silently round (a product of two 15-digit numbers) or
raise ``DivisionImpossible`` (an integer quotient longer than the precision). The helpers below are exact
for sums and products, and divide with a fixed, documented precision.
"""

from __future__ import annotations

from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

#: Sums, differences and products of finite Decimals are exact in this context (the result never needs
#: rounding). Never divide with it: a non-terminating quotient would try to produce MAX_PREC digits.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_EVEN,
                traps=[InvalidOperation, DivisionByZero, Overflow])

#: Quotients (average prices) are rounded once, half-even, to this many significant digits.
QUOTIENT_DIGITS = 28
QUOTIENT = Context(prec=QUOTIENT_DIGITS, rounding=ROUND_HALF_EVEN,
                   traps=[InvalidOperation, DivisionByZero, Overflow])

ZERO = Decimal(0)
ONE = Decimal(1)


def mul(*factors: Decimal) -> Decimal:
    """Exact product."""
    if not factors:
        return ONE
    result = factors[0] if len(factors) > 1 else EXACT.plus(factors[0])
    for f in factors[1:]:
        result = EXACT.multiply(result, f)
    return result


def add(*terms: Decimal) -> Decimal:
    """Exact sum."""
    if not terms:
        return ZERO
    result = terms[0] if len(terms) > 1 else EXACT.plus(terms[0])
    for t in terms[1:]:
        result = EXACT.add(result, t)
    return result


def sub(a: Decimal, b: Decimal) -> Decimal:
    """Exact difference."""
    return EXACT.subtract(a, b)


def neg(a: Decimal) -> Decimal:
    """Exact negation (unary ``-`` rounds to the thread's context precision)."""
    return EXACT.minus(a)


def abs_(a: Decimal) -> Decimal:
    """Exact absolute value (``abs()`` rounds to the thread's context precision)."""
    return EXACT.abs(a)


def div(a: Decimal, b: Decimal) -> Decimal:
    """``a / b`` rounded half-even to :data:`QUOTIENT_DIGITS` significant digits."""
    return QUOTIENT.divide(a, b)


def plain(value: Decimal) -> Decimal:
    """The same value without trailing zeros and without a positive exponent.

    ``str()`` of the result never uses scientific notation for whole numbers (``Decimal('1E+2')`` becomes
    ``Decimal('100')``), which is the form venue REST APIs accept.
    """
    if not value:
        return ZERO
    result = EXACT.normalize(value)
    if result.as_tuple().exponent > 0:  # type: ignore[operator]  # finite: exponent is an int
        result = EXACT.quantize(result, ONE)
    return result
