# shellcheck shell=bash disable=SC2154  # root, cache, bin, artifacts, stamps: set by commands/toolchain.sh
# Pulumi's provider plugins, built here from their release sources (sourced by
# commands/toolchain.sh). Each is installed into Pulumi's plugin cache ($PULUMI_HOME/plugins)
# under its name and version, so the CLI uses it for exactly the version the npm SDK asks for.

# Installs plugin binary BIN as resource plugin NAME vVERSION unless the cache holds it already.
install_plugin() { # NAME VERSION BIN
    local name=$1 version=$2 file=$3 installed
    installed=${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-$name-v$version/pulumi-resource-$name
    if [ -f "$installed" ] && cmp -s "$file" "$installed"; then
        log "pulumi-resource-$name v$version: installed in the plugin cache"
        return
    fi
    recipe_pulumi
    PULUMI_SKIP_UPDATE_CHECK=true "$bin/pulumi" plugin install resource "$name" "$version" --file "$file" --reinstall >&2 ||
        die "pulumi plugin install resource $name $version --file $file failed"
    # Machines that ran netlab's former stand-in plugins have them on PATH: drop them.
    rm -f "$bin/pulumi-resource-$name" "$stamps/provider-$name"
}

# Writes the plugin's embedded schema the way its `go generate` step does: the schema with
# the release's version, compacted (pure JSON; jq instead of compiling Pulumi's codegen).
embed_schema() { # DIR VERSION
    jq -c --arg v "$2" '.version = $v' "$1/schema.json" >"$1/schema-embed.json" || die "cannot write $1/schema-embed.json"
}
