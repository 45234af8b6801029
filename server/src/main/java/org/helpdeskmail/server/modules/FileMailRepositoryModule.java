package org.helpdeskmail.server.modules;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.mailrepository.api.Protocol;
import org.apache.james.mailrepository.file.FileMailRepository;
import org.apache.james.mailrepository.memory.MailRepositoryStoreConfiguration;

import com.google.common.collect.ImmutableList;
import com.google.inject.AbstractModule;

/**
 * Mail repositories (error, relay-denied, ...) as directories under var/mail/ when
 * mailrepositorystore.xml does not say otherwise.
 */
public class FileMailRepositoryModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(MailRepositoryStoreConfiguration.Item.class)
            .toProvider(() -> new MailRepositoryStoreConfiguration.Item(
                ImmutableList.of(new Protocol("file")),
                FileMailRepository.class.getName(),
                new BaseHierarchicalConfiguration()));
    }
}
