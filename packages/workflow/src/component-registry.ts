import 'reflect-metadata';
import { jsonProblem, Operation, OperationRefError, type OperationInit, type OperationRef, type OperationResolver } from '@portflow/core';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { closestNames } from './closest-names';
import { constructorParamTypes } from './constructor-params';
import { describeComponent, type ComponentClass, type ComponentDescriptor } from './component-descriptor';
import { ComponentRegistrationError, ParamsValidationError, UnknownComponentError } from './errors';
import { validateParams, type ParamsResult } from './params-validation';
import { StepInit, StepSource, StepWiring, WorkflowFile } from './step-init';

/** Options of a {@link ComponentRegistry}. */
export interface ComponentRegistryOptions {
  /**
   * The container services are resolved from. The registry works in a child
   * of it, so registrations made through `registry.container` stay in this
   * registry (default: a child of tsyringe's root container).
   */
  container?: DependencyContainer;
}

/** What a step adds to a component's construction besides params and settings. */
export interface CreateContext {
  /** Input ports the workflow wires (for dynamic components). */
  wiring?: StepWiring;
  /** Where the workflow lives, for resolving relative paths. */
  file?: WorkflowFile;
  /** Where the step is written, for errors found when it runs. */
  source?: StepSource;
}

/**
 * Components by name: `@Component` classes, constructed through a tsyringe
 * container so they can have services injected. Registries are independent
 * of each other: tests, plugins and hosts can each have their own.
 *
 * @example
 * ```ts
 * const registry = new ComponentRegistry().register(Constant, Log);
 * registry.container.register(Database, { useValue: db });     // a service components can inject
 * const op = registry.create('constant', { value: 42 }, { id: 'answer' });
 * ```
 */
export class ComponentRegistry implements OperationResolver {
  /** The registry's own container: register the services components inject here. */
  readonly container: DependencyContainer;
  private readonly components = new Map<string, ComponentDescriptor>();

  constructor(options: ComponentRegistryOptions = {}) {
    this.container = (options.container ?? rootContainer).createChildContainer();
  }

  /**
   * Registers `@Component` classes under their names. Registering the same
   * class again does nothing; another class under a taken name throws a
   * {@link ComponentRegistrationError}, as does a class that is not a component.
   */
  register(...classes: ComponentClass[]): this {
    for (const cls of classes) {
      const descriptor = describeComponent(cls);
      const existing = this.components.get(descriptor.name);
      if (existing !== undefined && existing.componentClass !== cls) {
        throw new ComponentRegistrationError(
          `Component name '${descriptor.name}' is taken by ${existing.componentClass.name}; ${cls.name} needs another name`,
        );
      }
      this.components.set(descriptor.name, descriptor);
    }
    return this;
  }

  /**
   * A new registry with the same components, whose container is a child of
   * this one's: what it registers (plugins, services) does not leak back.
   */
  fork(): ComponentRegistry {
    const forked = new ComponentRegistry({ container: this.container });
    for (const [name, descriptor] of this.components) forked.components.set(name, descriptor);
    return forked;
  }

  /** Whether a component is registered under `name`. */
  has(name: string): boolean {
    return this.components.has(name);
  }

  /** The component registered under `name`, if any. */
  get(name: string): ComponentDescriptor | undefined {
    return this.components.get(name);
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.components.keys()].sort();
  }

  /** Every registered component, sorted by name. */
  list(): ComponentDescriptor[] {
    return this.names().map((name) => this.components.get(name)!);
  }

  /** The registered names closest to `name` (for "did you mean" hints). */
  closest(name: string, limit = 3): string[] {
    return closestNames(name, this.components.keys(), limit);
  }

  /** Validates raw params for a component without creating it. */
  validateParams(name: string, params: unknown): ParamsResult {
    return validateParams(this.require(name).paramsClass, params);
  }

  /**
   * Creates the component registered under `name` for one step: validates
   * `params` (throwing a {@link ParamsValidationError} listing every issue),
   * then constructs the class with the params instance, a {@link StepInit}
   * made from `init` and any injected services.
   */
  create(name: string, params: unknown, init: OperationInit & { id: string }, context: CreateContext = {}): Operation {
    const descriptor = this.require(name);
    const result = validateParams(descriptor.paramsClass, params);
    if (!result.ok) throw new ParamsValidationError(name, result.issues);
    // The params as written become the operation's params (data for refs and
    // cache keys); the validated instance is what the component reads.
    const raw = params ?? {};
    const stepInit = new StepInit(jsonProblem(raw, 'params') === undefined ? { ...init, params: raw } : init);
    const cls = descriptor.componentClass as unknown as new (...args: unknown[]) => Operation;
    const paramTypes: unknown[] = constructorParamTypes(name, cls);
    let operation: Operation;
    if (paramTypes.length === 0) {
      // No constructor of its own: the inherited one passes init on to Operation.
      operation = new cls(stepInit);
    } else {
      const scope = this.container.createChildContainer();
      scope.register(StepInit, { useValue: stepInit });
      scope.register(StepWiring, { useValue: context.wiring ?? new StepWiring() });
      scope.register(WorkflowFile, { useValue: context.file ?? new WorkflowFile(undefined) });
      scope.register(StepSource, { useValue: context.source ?? new StepSource(stepInit.id) });
      if (descriptor.paramsClass !== undefined) scope.register(descriptor.paramsClass, { useValue: result.value });
      operation = scope.resolve(cls);
    }
    if (!(operation instanceof Operation) || !operation.hasId || operation.id !== stepInit.id) {
      throw new ComponentRegistrationError(
        `Component '${name}' did not pass its StepInit to super(init): write 'constructor(..., init: StepInit) { super(init); }'`,
      );
    }
    return operation;
  }

  /**
   * {@link OperationResolver}: the component a ref names by type (its
   * component name), created with the ref's params and settings. The ref's
   * version must be the component's.
   *
   * @example
   * ```ts
   * const op = await registry.resolve(step.toRef()); // the same step, in another process
   * ```
   */
  resolve(ref: OperationRef): Operation {
    const descriptor = this.components.get(ref?.type);
    if (descriptor === undefined) {
      const hint = this.closest(String(ref?.type));
      throw new OperationRefError(`No component named '${String(ref?.type)}' is registered to resolve the ref${hint.length > 0 ? `; did you mean ${hint.map((h) => `'${h}'`).join(', ')}?` : ''}`);
    }
    const operation = this.create(ref.type, ref.params, { ...ref.settings, id: ref.id ?? ref.type });
    if (operation.version !== ref.version) {
      throw new OperationRefError(`Component '${ref.type}' is version ${operation.version} here, but the ref asks for version ${ref.version}: deploy the same build everywhere`);
    }
    return operation;
  }

  private require(name: string): ComponentDescriptor {
    const descriptor = this.components.get(name);
    if (descriptor === undefined) throw new UnknownComponentError(name, this.closest(name));
    return descriptor;
  }
}

