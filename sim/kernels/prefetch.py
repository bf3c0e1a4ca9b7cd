"""A memory prefetch hint for the kernels: ask the CPU to start loading an element's cache line
while the loop still works on earlier rows.

Why: a tick's batch is a few hundred customers spread over the whole population, and each
needs ~25 cache lines (its attributes, its per-store rows, its contacts' last stores). Between
ticks the weekly scan and the random blocks push those lines out of the core's cache, so the
occasion kernel waits on memory for most of its time; the loop body is too long for the CPU to
run ahead to the next rows' loads by itself. Hinting the lines a few rows ahead roughly halves
the utilities' time at the default size (docs/performance.md, "Issue 23, fifth round").

A prefetch never faults and never changes a value: results stay bit-identical, and an index
past an array's end is harmless (it only wastes the hint).
"""

from __future__ import annotations

from llvmlite import binding as llvm
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

# LLVM 15 on names the intrinsic by the opaque pointer type; older versions by i8*.
_NAME = "llvm.prefetch.p0" if llvm.llvm_version_info[0] >= 15 else "llvm.prefetch.p0i8"


@intrinsic
def prefetch(typingctx, array, index):
    """Hint that `array`'s element at flat (C-order) position `index` will be read soon."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type = signature.args
        data = context.make_array(array_type)(context, builder, args[0]).data
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        size = context.get_abi_sizeof(context.get_data_type(array_type.dtype))
        offset = builder.mul(
            context.cast(builder, args[1], index_type, types.intp),
            ir.Constant(context.get_value_type(types.intp), size),
        )
        address = builder.gep(builder.bitcast(data, i8p), [offset])
        hint = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        function = builder.module.declare_intrinsic(_NAME, fnty=hint)
        # read (0), keep in all cache levels (3), data cache (1)
        builder.call(function, [address, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen
