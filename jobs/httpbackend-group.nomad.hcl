  group "{{group}}" {
    count = {{count}}

    # Spread over the hosts the workload may use: one instance per host between deployments.
    # (distinct_hosts would leave a canary nowhere to go while the old instances still run.)
    spread {
      attribute = "${node.unique.name}"
    }
    constraint {
      attribute = "${node.unique.name}"
      operator  = "set_contains_any"
      value     = "{{placement}}"
    }

    # How a new version rolls out (netlab:workloads[].strategy, seed 001): rolling replaces
    # max_parallel instances at a time; canary and canary-isolated place {{canary}} canaries
    # first and wait for `nomad deployment promote` (netlab:workloads[].promote); blue-green
    # places as many canaries as instances. A deployment whose new instances do not pass
    # their checks fails, and auto_revert rolls the job back to its last stable version.
    update {
      max_parallel      = {{maxParallel}}
      canary            = {{canary}}
      auto_promote      = false
      auto_revert       = {{autoRevert}}
      min_healthy_time  = "5s"
      healthy_deadline  = "40s"
      progress_deadline = "1m"
    }

    task "httpbackend" {
      driver = "docker"

      # On stop, Nomad deregisters the instance from Consul first, then waits this long
      # before the kill signal: fabio drops it from its routes while it still answers.
      shutdown_delay = "3s"

      # Registered with the address the instance has on the Weave network it runs in
      # (address_mode "driver", which only a task's service may use), not the host's: the
      # seed's open problem. The urlprefix tag is fabio's route; canaries register with
      # canary_tags (canary-isolated: their own route, so production traffic never reaches
      # them) until they are promoted.
      service {
        name         = "{{name}}"
        port         = "{{port}}"
        address_mode = "driver"
        tags         = [{{tags}}]
        canary_tags  = [{{canaryTags}}]

        # An HTTPS instance (netlab:workloads[].tls) is checked over TLS; Consul does not
        # verify its certificate (the lab's checks and fabio's clients do).
        check {
          type            = "http"
          protocol        = "{{checkProtocol}}"
          tls_skip_verify = true
          path            = "/health"
          address_mode    = "driver"
          port            = "{{port}}"
          interval        = "2s"
          timeout         = "1s"
        }
      }

      config {
        image        = "{{image}}"
        force_pull   = false
        # A Weave network on every host: "weave" (the default subnet, made by `weave launch`)
        # or the network netlab makes for an extra subnet (weave-10.32.1.0-24).
        network_mode = "{{network}}"
      }

{{tlsFiles}}
      env {
        HTTPBACKEND_VERSION  = "{{version}}"
        HTTPBACKEND_LISTEN   = ":{{port}}"
        # "" or "unhealthy" (netlab:workloads[].fault): a release that fails its checks.
        HTTPBACKEND_FAULT    = "{{fault}}"
        # HTTPS (netlab:workloads[].tls): the certificate and key the templates above write; "" serves plain HTTP.
        HTTPBACKEND_TLS_CERT = "{{tlsCert}}"
        HTTPBACKEND_TLS_KEY  = "{{tlsKey}}"
      }

      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
