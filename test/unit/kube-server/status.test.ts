import {
  alreadyExists,
  conflict,
  forbidden,
  invalid,
  invalidField,
  notFound,
  requiredField,
  unsupportedMediaType,
} from '../../kube-server/http/status.js';

const deployments = { group: 'apps', plural: 'deployments' };

describe('Status bodies', () => {
  test('404 NotFound, with the field order of the real server', () => {
    expect(JSON.stringify(notFound(deployments, 'web').status)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"web\\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404}',
    );
    expect(notFound({ group: '', plural: 'pods' }, 'p').status.message).toBe('pods "p" not found');
  });

  test('409 Conflict and AlreadyExists', () => {
    expect(conflict(deployments, 'web').status).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect(alreadyExists(deployments, 'web').status).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'deployments.apps "web" already exists',
    });
  });

  test('403 Forbidden names the resource, and the object when there is one', () => {
    expect(forbidden(deployments, 'web', 'User "x" cannot patch resource "deployments"').status.message).toBe(
      'deployments.apps "web" is forbidden: User "x" cannot patch resource "deployments"',
    );
    expect(forbidden(deployments, undefined, 'nope').status.message).toBe(
      'deployments.apps is forbidden: nope',
    );
  });

  test('422 Invalid lists field errors the way field.ErrorList renders them', () => {
    const one = invalid({ group: 'route.openshift.io', kind: 'Route' }, 'web', [
      invalidField('spec.to.weight', 300, 'weight must be an integer between 0 and 256'),
    ]);
    expect(one.status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        'Route.route.openshift.io "web" is invalid: spec.to.weight: Invalid value: 300: weight must be an integer between 0 and 256',
      details: {
        name: 'web',
        group: 'route.openshift.io',
        kind: 'Route',
        causes: [{ reason: 'FieldValueInvalid', field: 'spec.to.weight' }],
      },
    });
    const two = invalid({ group: '', kind: 'Pod' }, 'p', [
      requiredField('spec.containers'),
      invalidField('metadata.name', 'P', 'bad'),
    ]);
    expect(two.status.message).toBe(
      'Pod "p" is invalid: [spec.containers: Required value, metadata.name: Invalid value: "P": bad]',
    );
  });

  test('415 lists the accepted media types', () => {
    expect(
      unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json']).status,
    ).toMatchObject({
      code: 415,
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    });
  });
});
