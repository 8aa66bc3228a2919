import type { ClusterPolicy } from './clusterPolicy.js';
import type { ClusterView } from './clusterView.js';
import type { ClusterControl, Controller } from './controllers/controller.js';

/**
 * `policy` with `hook` run on the cluster view before every call into it that reads one: the
 * router's `route`, `routeDecode` and each controller's tick (for tests that scramble or audit what
 * a policy sees). Everything else is the policy's own.
 */
export function beforeEveryCall(policy: ClusterPolicy, hook: (view: ClusterView) => void): ClusterPolicy {
  const router = policy.router;
  const routeDecode = policy.routeDecode;
  return {
    ...policy,
    router: {
      ...router,
      route: (req, view) => {
        hook(view);
        return router.route(req, view);
      },
    },
    ...(routeDecode
      ? {
          routeDecode: (req, from, view) => {
            hook(view);
            return routeDecode(req, from, view);
          },
        }
      : {}),
    ...(policy.controllers
      ? {
          controllers: policy.controllers.map(
            (c): Controller => ({
              name: c.name,
              intervalS: c.intervalS,
              tick: (now: number, ctl: ClusterControl) => {
                hook(ctl.view);
                c.tick(now, ctl);
              },
            }),
          ),
        }
      : {}),
  };
}
