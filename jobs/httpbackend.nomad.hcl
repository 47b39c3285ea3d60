# The sample service as a Nomad job (seed 002). Rendered by lib/jobs.ts: every {{name}}
# below is replaced with a value from the stack's config before `nomad job run`.
job "{{name}}" {
  datacenters = ["{{datacenter}}"]
  type        = "service"

  group "web" {
    count = {{count}}

    # One instance per host, on the hosts the workload may use.
    constraint {
      operator = "distinct_hosts"
      value    = "true"
    }
    constraint {
      attribute = "${node.unique.name}"
      operator  = "set_contains_any"
      value     = "{{placement}}"
    }

    task "httpbackend" {
      driver = "docker"

      # Registered with the address the instance has on the Weave network it runs in
      # (address_mode "driver", which only a task's service may use), not the host's: the
      # seed's open problem.
      service {
        name         = "{{name}}"
        port         = "{{port}}"
        address_mode = "driver"
        tags         = ["version-{{version}}", "network-{{network}}"]

        check {
          type         = "http"
          path         = "/health"
          address_mode = "driver"
          port         = "{{port}}"
          interval     = "5s"
          timeout      = "2s"
        }
      }

      config {
        image        = "{{image}}"
        force_pull   = false
        # A Weave network on every host: "weave" (the default subnet, made by `weave launch`)
        # or the network netlab makes for an extra subnet (weave-10.32.1.0-24).
        network_mode = "{{network}}"
      }

      env {
        HTTPBACKEND_VERSION = "{{version}}"
        HTTPBACKEND_LISTEN  = ":{{port}}"
      }

      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
