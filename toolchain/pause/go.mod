module netlab.local/toolchain/pause

go 1.24
