# The sample service as a Nomad job (seeds 001, 002, 003). Rendered by lib/jobs.ts: every
# placeholder in double braces below is replaced with a value from the stack's config before `nomad job run`.
# The groups are one per version: the workload's version in group "web", and, with a split
# (netlab:workloads[].split), the other version in a group of its own
# (jobs/httpbackend-group.nomad.hcl).
job "{{name}}" {
  datacenters = ["{{datacenter}}"]
  type        = "service"
{{groups}}
}
