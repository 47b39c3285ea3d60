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

    network {
      port "http" {
        static = {{port}}
        to     = 8081
      }
    }

    service {
      name         = "{{name}}"
      port         = "http"
      address_mode = "host"
      tags         = ["version-{{version}}"]

      check {
        type     = "http"
        path     = "/health"
        interval = "5s"
        timeout  = "2s"
      }
    }

    task "httpbackend" {
      driver = "docker"

      config {
        image      = "{{image}}"
        force_pull = false
        ports      = ["http"]
      }

      env {
        HTTPBACKEND_VERSION = "{{version}}"
      }

      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
