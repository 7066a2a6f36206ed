/// glibc's `malloc_trim`, which the Glibc module does not export: returns the free
/// memory at the top of the heap and in whole free pages inside it to the kernel.
@_silgen_name("malloc_trim")
func mallocTrim(_ pad: Int) -> Int32
