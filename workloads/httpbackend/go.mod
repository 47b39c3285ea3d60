module netlab.local/workloads/httpbackend

go 1.22
