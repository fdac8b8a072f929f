// Every command module registers its verbs here. A module imported by this
// list must stay light (commander definitions only): each action imports its
// implementation lazily, so that `skiff version` and `skiff --help` start fast.
import type { Command } from 'commander';
import { register as cluster } from './cluster.js';
import { register as logs } from './logs.js';
import { register as exec } from './exec.js';
import { register as get } from './get.js';
import { register as apply } from './apply.js';
import { register as create } from './create.js';
import { register as describe } from './describe.js';
import { register as rollout } from './rollout.js';
import { register as autoscale } from './autoscale.js';
import { register as del } from './delete.js';
import { register as scale } from './scale.js';
import { register as label } from './label.js';
import { register as kubelet } from './kubelet.js';
import { register as patch } from './patch.js';
import { register as set } from './set.js';
import { register as edit } from './edit.js';
import { register as discovery } from './discovery.js';
import { register as drain } from './drain.js';
import { register as proxy } from './proxy.js';
import { register as dns } from './dns.js';
import { register as top } from './top.js';
import { register as metricsServer } from './metrics-server.js';
import { register as config } from './config.js';
import { register as completion } from './completion.js';

export type CommandRegistrar = (program: Command) => void;

export const commandRegistrars: CommandRegistrar[] = [cluster, logs, exec, get, apply, create, describe, rollout, autoscale, del, scale, label, kubelet, patch, set, edit, discovery, drain, proxy, dns, top, metricsServer, config, completion];
